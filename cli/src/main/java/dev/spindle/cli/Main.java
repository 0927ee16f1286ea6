package dev.spindle.cli;

import java.io.IOException;
import java.util.List;

import dev.spindle.bridge.daemon.Daemon;

/** {@code ./spindle COMMAND ...}: dispatches to one class per command. */
public final class Main {

    private static final String USAGE = """
            usage: spindle COMMAND [ARGS]
              exec [options] USER@HOST -- CMD [ARGS...]   run a command on a target through its agent
              exec --local [options] -- CMD [ARGS...]     the same with a locally spawned agent
              daemon                                      the controller Ansible's plugins talk to (started on demand)
              status                                      the running daemon's hosts, agents and traffic
            From a checkout, ./spindle also runs the development tools (not in this jar):
              demo [--target USER@HOST[:PORT]]            100 Ansible tasks, vanilla vs spindle_ssh (embedded target by default)
              bench spine | bench ansible                 benchmarks against OpenSSH on loopback
            'spindle exec --help' lists the exec options.""";

    private Main() {
    }

    public static void main(String[] args) {
        runAndExit(args, Main::run);
    }

    /** One command line, to completion: the JVM exits with its status (2 for bad usage). */
    public static void runAndExit(String[] args, Command command) {
        int status;
        try {
            status = command.run(List.of(args));
        } catch (UsageException e) {
            System.err.println("spindle: " + e.getMessage());
            status = 2;
        } catch (IOException | RuntimeException e) {
            System.err.println("spindle: " + e.getMessage());
            status = 1;
        } catch (InterruptedException e) {
            status = 130;
        }
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    static int run(List<String> args) throws UsageException, IOException, InterruptedException {
        if (args.isEmpty() || args.get(0).equals("-h") || args.get(0).equals("--help")) {
            System.out.println(USAGE);
            return args.isEmpty() ? 2 : 0;
        }
        List<String> rest = args.subList(1, args.size());
        return switch (args.get(0)) {
            case "exec" -> new ExecCommand(ExecArguments.parse(rest)).run();
            case "daemon" -> Daemon.run(rest);
            case "status" -> StatusCommand.run(rest);
            case "bench", "demo" -> throw new UsageException("'" + args.get(0)
                    + "' is a development tool: run it as ./spindle " + args.get(0) + " from a Spindle checkout");
            default -> throw new UsageException("unknown command '" + args.get(0) + "'\n" + USAGE);
        };
    }

    /** A command line's body: its exit status, or one of the exceptions {@link #runAndExit} reports. */
    @FunctionalInterface
    public interface Command {
        int run(List<String> args) throws UsageException, IOException, InterruptedException;
    }

    /** Bad command line: printed with the usage, exit status 2. */
    public static final class UsageException extends Exception {
        public UsageException(String message) {
            super(message);
        }
    }
}
