package dev.spindle.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Base64;

import dev.spindle.controller.Controller;
import dev.spindle.controller.Failure;
import dev.spindle.push.calls.AgentCall;
import io.vertx.core.json.JsonObject;

/**
 * {@code spindle exec}: runs one command through the target's agent and exits with its status,
 * its stdout and stderr passed through byte for byte. Failures to reach the target exit 255,
 * like OpenSSH's client.
 */
final class ExecCommand {

    static final int UNREACHABLE_STATUS = 255;
    private static final Duration DEADLINE = Duration.ofHours(1);

    private final ExecArguments args;

    ExecCommand(ExecArguments args) {
        this.args = args;
    }

    int run() {
        try (Controller controller = Controller.start()) {
            JsonObject reply = controller.contexts().get(args.target())
                    .compose(ctx -> ctx.callForObject(AgentCall.Exec.of(args.command()), DEADLINE))
                    .await();
            write(System.out, reply.getString("stdout_b64"));
            write(System.err, reply.getString("stderr_b64"));
            int rc = reply.getInteger("rc");
            return rc >= 0 ? rc : 128 - rc;
        } catch (RuntimeException e) {
            System.err.println("spindle: " + Failure.inWords(e));
            return UNREACHABLE_STATUS;
        }
    }

    private static void write(PrintStream out, String base64) {
        try {
            out.write(Base64.getDecoder().decode(base64));
            out.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
