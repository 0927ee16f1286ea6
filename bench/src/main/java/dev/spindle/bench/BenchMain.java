package dev.spindle.bench;

import java.util.List;

import dev.spindle.cli.Main.UsageException;
import dev.spindle.cli.Main;

/**
 * {@code ./spindle demo|bench ...}: the development tools, in their own jar so that the
 * loopback targets and throwaway accounts they use never ship in the product's.
 */
public final class BenchMain {

    private static final String USAGE = """
            usage: spindle demo [--target USER@HOST[:PORT]]   100 Ansible tasks, vanilla vs spindle_ssh
                   spindle bench spine [--user USER]          cold/warm/bootstrap numbers against OpenSSH on loopback
                   spindle bench ansible --login USER [--rounds N] [--ansible DIR] [--mitogen DIR] [--only KEYS]
                                                              vanilla vs spindle_ssh (vs Mitogen), five scenarios,
                                                              interleaved, against OpenSSH on loopback (as root)""";

    private BenchMain() {
    }

    public static void main(String[] args) {
        Main.runAndExit(args, BenchMain::run);
    }

    static int run(List<String> args) throws UsageException {
        if (args.isEmpty()) {
            throw new UsageException(USAGE);
        }
        List<String> rest = args.subList(1, args.size());
        return switch (args.get(0)) {
            case "bench" -> BenchCommand.run(rest);
            case "demo" -> DemoCommand.run(rest);
            default -> throw new UsageException("unknown tool '" + args.get(0) + "'\n" + USAGE);
        };
    }
}
