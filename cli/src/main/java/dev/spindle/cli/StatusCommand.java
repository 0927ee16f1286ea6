package dev.spindle.cli;

import java.io.IOException;
import java.util.List;

import dev.spindle.bridge.daemon.DaemonClient;
import dev.spindle.cli.Main.UsageException;
import io.vertx.core.json.JsonObject;

/** {@code spindle status}: what the running daemon holds, one line per agent. */
final class StatusCommand {

    private StatusCommand() {
    }

    static int run(List<String> args) throws UsageException, IOException {
        if (!args.isEmpty()) {
            throw new UsageException("usage: spindle status");
        }
        JsonObject status;
        try (DaemonClient client = DaemonClient.connect(System.getenv())) {
            status = client.request("spindle.status", new JsonObject());
        }
        JsonObject fds = status.getJsonObject("fds", new JsonObject());
        System.out.println("daemon pid " + status.getLong("pid") + ", runs " + status.getJsonArray("runs").encode()
                + ", file descriptors " + fds.getValue("open", "?") + " open of " + fds.getValue("limit", "?"));
        System.out.printf("%-40s %8s %8s %10s %8s %12s %12s%n", "CONTEXT", "ID", "PID", "RSS", "CALLS", "BYTES IN", "BYTES OUT");
        for (Object o : status.getJsonArray("contexts")) {
            JsonObject c = (JsonObject) o;
            System.out.printf("%-40s %8d %8s %10s %8s %12d %12d%n", c.getString("name"), c.getLong("id"),
                    c.getValue("pid", "-"), c.getValue("rss_kb") == null ? "-" : c.getValue("rss_kb") + " KiB",
                    c.getValue("calls_in_flight", "-"), c.getLong("bytes_in"), c.getLong("bytes_out"));
        }
        return 0;
    }
}
