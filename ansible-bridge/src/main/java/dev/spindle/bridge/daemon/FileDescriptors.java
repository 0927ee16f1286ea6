package dev.spindle.bridge.daemon;

import java.lang.management.ManagementFactory;

import com.sun.management.UnixOperatingSystemMXBean;
import io.vertx.core.json.JsonObject;

/**
 * The daemon's open file descriptors and its limit (RLIMIT_NOFILE's soft limit), as
 * {@code spindle status} shows them: every SSH connection and local agent costs a few. The
 * daemon does not raise the limit itself: HotSpot on Linux sets the soft limit to the hard
 * one at start ({@code -XX:+MaxFDLimit}, on by default, and the launchers say so explicitly).
 *
 * @param open  descriptors open now, or -1 where the JVM cannot tell
 * @param limit the most this process may open, or -1 where the JVM cannot tell
 */
record FileDescriptors(long open, long limit) {

    static FileDescriptors now() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            return new FileDescriptors(unix.getOpenFileDescriptorCount(), unix.getMaxFileDescriptorCount());
        }
        return new FileDescriptors(-1, -1);
    }

    JsonObject toJson() {
        return new JsonObject().put("open", open).put("limit", limit);
    }

    String inWords() {
        return "file descriptors: " + (open < 0 ? "?" : open) + " open, limit " + (limit < 0 ? "unknown" : limit);
    }
}
