package dev.spindle.bridge.cli;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

import dev.spindle.bridge.cli.Main.UsageException;
import dev.spindle.push.AgentContext;
import dev.spindle.push.ContextSpec;
import dev.spindle.push.Controller;
import dev.spindle.push.Login;
import dev.spindle.push.ssh.SshOptions;
import dev.spindle.push.target.EmbeddedSshTarget;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * {@code spindle demo}: starts the embedded SSH target on loopback and runs a few commands
 * through one Spindle agent, showing the time of each and that one SSH login served them all.
 */
final class DemoCommand {

    private static final List<List<String>> COMMANDS = List.of(
            List.of("hostname"), List.of("id", "-un"), List.of("uname", "-sr"),
            List.of("python3", "--version"), List.of("sh", "-c", "echo $$ is a fresh process each time"));
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private DemoCommand() {
    }

    static int run(List<String> args) throws UsageException {
        if (!args.isEmpty()) {
            throw new UsageException("usage: spindle demo");
        }
        try {
            Path dir = Files.createTempDirectory("spindle-demo-");
            try (EmbeddedSshTarget target = EmbeddedSshTarget.start(dir); Controller controller = Controller.start()) {
                SshOptions options = SshOptions.builder("127.0.0.1", System.getProperty("user.name"))
                        .port(target.port()).identityFile(target.clientKey()).knownHostsFile(target.knownHosts()).build();
                System.out.println("Embedded SSH target on 127.0.0.1:" + target.port() + " (MINA SSHD, real processes)");
                AgentContext ctx = null;
                for (List<String> command : COMMANDS) {
                    long start = System.nanoTime();
                    ctx = controller.contexts().get(ContextSpec.of(new Login.Ssh(options, Optional.empty()))).await();
                    JsonObject reply = ctx.callForObject("exec", new JsonObject().put("argv", new JsonArray(command)), DEADLINE).await();
                    long micros = (System.nanoTime() - start) / 1000;
                    String out = new String(Base64.getDecoder().decode(reply.getString("stdout_b64")), StandardCharsets.UTF_8).strip();
                    System.out.printf("  %-55s rc=%d %8.1f ms  %s%n", String.join(" ", command), reply.getInteger("rc"), micros / 1000.0, out);
                }
                System.out.printf("%d commands, SSH logins on the target: %d, bytes to/from the agent: %d/%d%n",
                        COMMANDS.size(), target.logins(), ctx.stream().bytesOut(), ctx.stream().bytesIn());
                return target.logins() == 1 ? 0 : 1;
            }
        } catch (Exception e) {
            System.err.println("spindle demo: " + ExecCommand.describe(e));
            return 1;
        }
    }
}
