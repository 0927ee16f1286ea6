package dev.spindle.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.spindle.bench.Sample;
import dev.spindle.controller.Controller;
import dev.spindle.controller.Failure;
import dev.spindle.push.AgentContext;
import dev.spindle.push.ContextSpec;
import dev.spindle.push.Login;
import dev.spindle.push.agent.AgentConfig;
import dev.spindle.push.agent.AgentSources;
import dev.spindle.push.agent.AgentStages;
import dev.spindle.push.calls.AgentCall;
import dev.spindle.push.ssh.SshOptions;
import dev.spindle.testkit.OpenSshServer;

/**
 * {@code spindle bench spine}: against a private OpenSSH server on loopback, in one run,
 * <ul>
 *   <li>cold: SSH connect + auth + bootstrap + first call result, next to OpenSSH's own client
 *       running {@code python3 -c pass} (interleaved, median of 10 each);</li>
 *   <li>warm: round trip of a no-op call over the open connection (median, p99 of 10,000);</li>
 *   <li>bytes sent to bootstrap an agent.</li>
 * </ul>
 */
final class SpineBenchmark {

    private static final int COLD_RUNS = 10;
    private static final int WARMUP_CALLS = 2_000;
    private static final int WARM_CALLS = 10_000;
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private final String user;

    SpineBenchmark(String user) {
        this.user = user;
    }

    int run() {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("spindle-bench-");
            try (OpenSshServer sshd = OpenSshServer.start(dir.resolve("sshd")); Controller controller = Controller.start()) {
                SshOptions options = SshOptions.builder("127.0.0.1", user).port(sshd.port())
                        .identityFile(sshd.clientKey()).knownHostsFile(sshd.knownHosts()).build();
                ContextSpec spec = ContextSpec.of(new Login.Ssh(options, Optional.empty()));
                coldOnce(controller, spec); // JIT and class loading, not measured
                long[] spindle = new long[COLD_RUNS];
                long[] openssh = new long[COLD_RUNS];
                long[] loginOnly = new long[COLD_RUNS];
                for (int i = 0; i < COLD_RUNS; i++) {
                    spindle[i] = coldOnce(controller, spec);
                    openssh[i] = opensshPythonPass(sshd.sshClientArgs(user));
                    loginOnly[i] = sshLoginOnly(controller, options);
                }
                long loginsBefore = sshd.publicKeyLogins(user);
                AgentContext ctx = controller.contexts().get(spec).await();
                long bytesBefore = ctx.stream().bytesOut() + ctx.stream().bytesIn();
                long[] warm = warmCalls(ctx);
                long perCall = (ctx.stream().bytesOut() + ctx.stream().bytesIn() - bytesBefore) / (WARMUP_CALLS + WARM_CALLS);
                report(Sample.of(spindle), Sample.of(openssh), Sample.of(loginOnly), Sample.of(warm), perCall,
                        sshd.publicKeyLogins(user) - loginsBefore);
            }
            return 0;
        } catch (Exception e) {
            System.err.println("spindle bench spine: " + Failure.inWords(e));
            return 1;
        } finally {
            deleteQuietly(dir);
        }
    }

    private static long coldOnce(Controller controller, ContextSpec spec) {
        long start = System.nanoTime();
        controller.contexts().get(spec)
                .compose(ctx -> ctx.call(new AgentCall.Ping(), DEADLINE))
                .await();
        long elapsed = System.nanoTime() - start;
        controller.contexts().reset(spec).await();
        return elapsed;
    }

    /** The SSH part of a cold start alone (connect, key exchange, auth), to show what the bootstrap adds. */
    private static long sshLoginOnly(Controller controller, SshOptions options) {
        long start = System.nanoTime();
        controller.ssh().session(options).await();
        long elapsed = System.nanoTime() - start;
        controller.ssh().forget(options);
        return elapsed;
    }

    private static long opensshPythonPass(List<String> sshArgs) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(sshArgs);
        command.add("python3 -c pass");
        long start = System.nanoTime();
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        if (p.waitFor() != 0) {
            throw new IOException("the OpenSSH client failed: " + command);
        }
        return System.nanoTime() - start;
    }

    private static long[] warmCalls(AgentContext ctx) {
        AgentCall ping = new AgentCall.Ping();
        for (int i = 0; i < WARMUP_CALLS; i++) {
            ctx.call(ping, DEADLINE).await();
        }
        long[] nanos = new long[WARM_CALLS];
        for (int i = 0; i < WARM_CALLS; i++) {
            long start = System.nanoTime();
            ctx.call(ping, DEADLINE).await();
            nanos[i] = System.nanoTime() - start;
        }
        return nanos;
    }

    private void report(Sample spindle, Sample openssh, Sample loginOnly, Sample warm, long bytesPerCall, long logins) {
        byte[] stage2 = new AgentStages(AgentSources.bundled())
                .stage2(new AgentConfig(1000, 0, "bench@127.0.0.1", AgentConfig.INFO, List.of()));
        int stage1 = AgentStages.command(null, stage2.length).length();
        System.out.println("Spindle spine benchmark (OpenSSH on 127.0.0.1, login " + user + ", this machine, one run)");
        System.out.printf("  %-52s %12s %12s%n", "", "median", "p99");
        System.out.printf("  %-52s %12s %12s   goal < 250 ms%n", "cold: connect + bootstrap + first result (Spindle)",
                millis(spindle.median()), millis(spindle.percentile(99)));
        System.out.printf("  %-52s %12s %12s%n", "cold: ssh host python3 -c pass (OpenSSH client)",
                millis(openssh.median()), millis(openssh.percentile(99)));
        System.out.printf("  %-52s %12.2fx%n", "  ratio Spindle / OpenSSH", (double) spindle.median() / openssh.median());
        System.out.printf("  %-52s %12s %12s%n", "  of which SSH connect + auth alone (MINA)",
                millis(loginOnly.median()), millis(loginOnly.percentile(99)));
        System.out.printf("  %-52s %12s %12s   goal median < 300 µs%n", "warm: no-op call round trip (" + WARM_CALLS + " calls)",
                micros(warm.median()), micros(warm.percentile(99)));
        System.out.printf("  %-52s %12d B%n", "bootstrap: stage 1 command line", stage1);
        System.out.printf("  %-52s %12d B   goal < 30 KiB (total %d B)%n", "bootstrap: stage 2 (compressed agent)",
                stage2.length, stage1 + stage2.length);
        System.out.printf("  %-52s %12d B%n", "warm call: frame bytes, both directions", bytesPerCall);
        System.out.printf("  %-52s %12d%n", "SSH logins in sshd's log for all " + (WARMUP_CALLS + WARM_CALLS) + " warm calls", logins);
    }

    private static String millis(long nanos) {
        return String.format("%.1f ms", nanos / 1e6);
    }

    private static String micros(long nanos) {
        return String.format("%.0f µs", nanos / 1e3);
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
