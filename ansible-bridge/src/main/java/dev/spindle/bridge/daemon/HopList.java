package dev.spindle.bridge.daemon;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.spindle.controller.BadRequestException;
import dev.spindle.push.Become;
import dev.spindle.push.ContextSpec;
import dev.spindle.push.Login;
import dev.spindle.push.ssh.ShellWords;
import dev.spindle.push.ssh.SshOptions;
import dev.spindle.push.ssh.SshOptionsParser;
import io.vertx.core.json.JsonObject;

/**
 * Reads the {@code target} and {@code become} objects of a request (docs/daemon-api.md §3) into
 * the {@link ContextSpec} naming the agent that should run it. Bad input is a
 * {@link BadRequestException} that names the field.
 */
final class HopList {

    private HopList() {
    }

    static ContextSpec parse(JsonObject body) {
        JsonObject target = object(body, "target");
        Optional<String> python = Optional.ofNullable(target.getString("python")).filter(p -> !p.isBlank());
        Login login = switch (string(target, "transport")) {
            case "ssh" -> new Login.Ssh(sshOptions(target), python);
            case "local" -> new Login.Local(python);
            default -> throw new BadRequestException("target.transport must be 'ssh' or 'local', not '" + target.getString("transport") + "'");
        };
        JsonObject become = body.getJsonObject("become");
        return new ContextSpec(login, become == null ? Optional.empty() : Optional.of(become(become)));
    }

    private static SshOptions sshOptions(JsonObject target) {
        try {
            SshOptions.Builder builder = SshOptions.builder(string(target, "host"), string(target, "user"))
                    .port(target.getInteger("port", SshOptions.DEFAULT_PORT))
                    .password(target.getString("password"))
                    .checkHostKey(target.getBoolean("host_key_checking", true))
                    .connectTimeout(Duration.ofSeconds(target.getInteger("timeout", 10)));
            String knownHosts = target.getString("known_hosts");
            if (knownHosts != null) {
                builder.knownHostsFile(Path.of(knownHosts));
            }
            // ssh_args first, like OpenSSH: later -i/-p on the command line add to or override them
            new SshOptionsParser(builder).applyArgumentString(target.getString("ssh_args", ""));
            String key = target.getString("private_key_file");
            if (key != null && !key.isBlank()) {
                builder.identityFile(Path.of(key.startsWith("~/") ? System.getProperty("user.home") + key.substring(1) : key));
            }
            return builder.build();
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new BadRequestException(e.getMessage());
        }
    }

    private static Become become(JsonObject become) {
        String flags = become.getString("flags");
        try {
            return new Become(string(become, "method"), string(become, "user"),
                    Optional.ofNullable(become.getString("password")),
                    Optional.ofNullable(become.getString("exe")).filter(e -> !e.isBlank()),
                    flags == null ? List.of() : ShellWords.split(flags));
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new BadRequestException("become: " + e.getMessage());
        }
    }

    private static JsonObject object(JsonObject body, String key) {
        JsonObject value = body.getJsonObject(key);
        if (value == null) {
            throw new BadRequestException("request has no '" + key + "' object");
        }
        return value;
    }

    private static String string(JsonObject body, String key) {
        String value = body.getString(key);
        if (value == null || value.isBlank()) {
            throw new BadRequestException("'" + key + "' is missing or empty");
        }
        return value;
    }
}
