package dev.spindle.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.spindle.cli.Main.UsageException;
import dev.spindle.push.Become;
import dev.spindle.push.ContextSpec;
import dev.spindle.push.Login;
import dev.spindle.push.ssh.SshOptions;
import dev.spindle.push.ssh.SshOptionsParser;

/**
 * The parsed command line of {@code spindle exec}. Passwords are read from files so they never
 * appear in {@code ps}.
 */
record ExecArguments(ContextSpec target, List<String> command) {

    static final String HELP = """
            usage: spindle exec [-p PORT] [-i KEY] [--password-file F] [-o SshOption=Value]...
                                [--known-hosts F] [--no-host-key-check] [--connect-timeout S] [--python P]
                                [-b USER] [--become-method sudo|su|doas] [--become-password-file F]
                                USER@HOST -- CMD [ARGS...]
                   spindle exec --local [-b USER ...] -- CMD [ARGS...]""";

    static ExecArguments parse(List<String> args) throws UsageException {
        int dashes = args.indexOf("--");
        if (args.contains("--help") && (dashes < 0 || args.indexOf("--help") < dashes)) {
            throw new UsageException(HELP);
        }
        if (dashes < 0 || dashes == args.size() - 1) {
            throw new UsageException("exec needs '-- CMD [ARGS...]' after the target\n" + HELP);
        }
        List<String> options = args.subList(0, dashes);
        List<String> command = List.copyOf(args.subList(dashes + 1, args.size()));
        Parsed parsed = new Parsed();
        for (int i = 0; i < options.size(); i++) {
            String opt = options.get(i);
            switch (opt) {
                case "--local" -> parsed.local = true;
                case "--no-host-key-check" -> parsed.sshArgs.add("-oStrictHostKeyChecking=no");
                case "-p", "-i", "-o" -> {
                    parsed.sshArgs.add(opt);
                    parsed.sshArgs.add(value(options, ++i, opt));
                }
                case "--known-hosts" -> parsed.sshArgs.add("-oUserKnownHostsFile=" + value(options, ++i, opt));
                case "--connect-timeout" -> parsed.sshArgs.add("-oConnectTimeout=" + value(options, ++i, opt));
                case "--password-file" -> parsed.password = readSecret(value(options, ++i, opt));
                case "--python" -> parsed.python = value(options, ++i, opt);
                case "-b", "--become-user" -> parsed.becomeUser = value(options, ++i, opt);
                case "--become-method" -> parsed.becomeMethod = value(options, ++i, opt);
                case "--become-password-file" -> parsed.becomePassword = readSecret(value(options, ++i, opt));
                default -> {
                    if (opt.startsWith("-") || parsed.destination != null) {
                        throw new UsageException("unknown exec option '" + opt + "'\n" + HELP);
                    }
                    parsed.destination = opt;
                }
            }
        }
        try {
            return new ExecArguments(parsed.spec(), command);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static String value(List<String> options, int index, String flag) throws UsageException {
        if (index >= options.size()) {
            throw new UsageException(flag + " needs a value");
        }
        return options.get(index);
    }

    private static String readSecret(String file) throws UsageException {
        try {
            String text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
            return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        } catch (IOException e) {
            throw new UsageException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Accumulates flags in any order before the spec is validated. */
    private static final class Parsed {
        boolean local;
        String destination;
        final List<String> sshArgs = new ArrayList<>();
        String password;
        String python;
        String becomeUser;
        String becomeMethod = "sudo";
        String becomePassword;

        ContextSpec spec() throws UsageException {
            Login login;
            if (local) {
                if (destination != null || !sshArgs.isEmpty()) {
                    throw new UsageException("--local takes no USER@HOST and no SSH options");
                }
                login = new Login.Local(Optional.ofNullable(python));
            } else {
                login = new Login.Ssh(sshOptions(), Optional.ofNullable(python));
            }
            Optional<Become> become = becomeUser == null ? Optional.empty()
                    : Optional.of(Become.of(becomeMethod, becomeUser, becomePassword));
            return new ContextSpec(login, become);
        }

        private SshOptions sshOptions() throws UsageException {
            if (destination == null) {
                throw new UsageException("exec needs USER@HOST (or --local)\n" + HELP);
            }
            int at = destination.lastIndexOf('@');
            String user = at < 0 ? System.getProperty("user.name") : destination.substring(0, at);
            SshOptions.Builder builder = SshOptions.builder(destination.substring(at + 1), user).password(password);
            new SshOptionsParser(builder).applyArguments(sshArgs);
            return builder.build();
        }
    }
}
