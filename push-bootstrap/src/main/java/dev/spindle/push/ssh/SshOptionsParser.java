package dev.spindle.push.ssh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads OpenSSH client arguments (Ansible's {@code ssh_args}, {@code ssh_common_args},
 * {@code ssh_extra_args}) into {@link SshOptions}. What MINA can emulate is applied; what only
 * matters to the OpenSSH binary (ControlMaster, verbosity) is accepted and ignored; anything else
 * is an error naming the option, never a silent difference.
 */
public final class SshOptionsParser {

    /** Options that change nothing for Spindle: it keeps one connection per host by design. */
    private static final Set<String> IGNORED_OPTIONS = Set.of(
            "controlmaster", "controlpersist", "controlpath", "loglevel", "batchmode",
            "identitiesonly", "gssapiauthentication",
            "kbdinteractiveauthentication", "preferredauthentications", "forwardagent", "hashknownhosts",
            "addkeystoagent", "tcpkeepalive", "connectionattempts", "numberofpasswordprompts");

    /** Flags without an argument that are harmless to ignore. */
    private static final Set<String> IGNORED_FLAGS = Set.of("-q", "-v", "-vv", "-vvv", "-T", "-tt", "-t", "-4", "-n", "-x");

    private final SshOptions.Builder builder;

    public SshOptionsParser(SshOptions.Builder builder) {
        this.builder = builder;
    }

    /** Splits a shell-like argument string (as Ansible passes it) and applies each option. */
    public SshOptionsParser applyArgumentString(String args) {
        if (args != null && !args.isBlank()) {
            applyArguments(ShellWords.split(args));
        }
        return this;
    }

    public SshOptionsParser applyArguments(List<String> args) {
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("-o")) {
                applyOption(valueAfter(args, i++, arg));
            } else if (arg.startsWith("-o")) {
                applyOption(arg.substring(2));
            } else if (arg.equals("-i")) {
                builder.identityFile(Path.of(valueAfter(args, i++, arg)));
            } else if (arg.equals("-p")) {
                builder.port(parsePort(valueAfter(args, i++, arg)));
            } else if (arg.equals("-C")) {
                builder.compression(true);
            } else if (arg.equals("-l")) {
                builder.user(valueAfter(args, i++, arg));
            } else if (!IGNORED_FLAGS.contains(arg)) {
                throw new IllegalArgumentException("unsupported ssh argument '" + arg
                        + "': Spindle's SSH client does not emulate it (supported: -o Key=Value, -i, -p, -l, -C, "
                        + String.join(", ", IGNORED_FLAGS.stream().sorted().toList()) + ")");
            }
        }
        return this;
    }

    /** Applies one {@code Key=Value} or {@code Key Value} option, as after {@code -o}. */
    public SshOptionsParser applyOption(String option) {
        String[] kv = option.trim().split("\\s*=\\s*|\\s+", 2);
        if (kv.length != 2 || kv[1].isEmpty()) {
            throw new IllegalArgumentException("ssh option '" + option + "' has no value (expected -o Key=Value)");
        }
        String key = kv[0].toLowerCase(Locale.ROOT);
        String value = unquote(kv[1]);
        switch (key) {
            case "port" -> builder.port(parsePort(value));
            case "user" -> builder.user(value);
            case "identityfile" -> builder.identityFile(Path.of(expandHome(value)));
            case "userknownhostsfile" -> builder.knownHostsFile(Path.of(expandHome(value)));
            case "stricthostkeychecking" -> builder.checkHostKey(!isNo(value));
            case "connecttimeout" -> builder.connectTimeout(Duration.ofSeconds(parsePositive(kv[0], value)));
            case "kexalgorithms" -> builder.kexAlgorithms(Arrays.asList(value.split(",")));
            case "pubkeyauthentication" -> builder.publicKeyAuth(!isNo(value));
            case "passwordauthentication" -> builder.passwordAuth(!isNo(value));
            case "compression" -> builder.compression(!isNo(value));
            case "serveraliveinterval" -> builder.keepaliveInterval(Duration.ofSeconds(parseNonNegative(kv[0], value)));
            case "serveralivecountmax" -> builder.keepaliveCountMax((int) parsePositive(kv[0], value));
            default -> {
                if (!IGNORED_OPTIONS.contains(key)) {
                    throw new IllegalArgumentException("unsupported ssh option '" + kv[0] + "': Spindle's SSH client"
                            + " cannot emulate it; remove it from ssh_args/ssh_common_args/ssh_extra_args");
                }
            }
        }
        return this;
    }

    private static String valueAfter(List<String> args, int index, String flag) {
        if (index + 1 >= args.size()) {
            throw new IllegalArgumentException("ssh argument " + flag + " needs a value");
        }
        return args.get(index + 1);
    }

    static int parsePort(String value) {
        try {
            int port = Integer.parseInt(value.trim());
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("port '" + value + "' is not a number between 1 and 65535");
    }

    private static long parsePositive(String key, String value) {
        return parseAtLeast(1, "a positive number", key, value);
    }

    private static long parseNonNegative(String key, String value) {
        return parseAtLeast(0, "0 or a positive number", key, value);
    }

    private static long parseAtLeast(long least, String what, String key, String value) {
        try {
            long n = Long.parseLong(value.trim());
            if (n >= least && n <= Integer.MAX_VALUE) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error below
        }
        throw new IllegalArgumentException("ssh option " + key + "=" + value + " needs " + what);
    }

    private static boolean isNo(String value) {
        return value.equalsIgnoreCase("no") || value.equalsIgnoreCase("false") || value.equals("0");
    }

    private static String unquote(String value) {
        if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                || value.startsWith("'") && value.endsWith("'"))) {
            return value.substring(1, value.length() - 1);
        }
        return value;
    }

    static String expandHome(String path) {
        return path.startsWith("~/") ? System.getProperty("user.home") + path.substring(1) : path;
    }
}
