package dev.spindle.bridge.daemon;

import java.nio.file.Path;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import ch.qos.logback.core.util.StatusPrinter2;
import org.slf4j.LoggerFactory;

/**
 * Moves the daemon's logging from stderr to a size-capped, rolling {@code daemon.log} in its
 * runtime directory (logback's rolling appender, configured by {@code daemon-logback.xml}): a
 * daemon that runs for days, or a target that makes it log, cannot fill the disk.
 */
final class DaemonLog {

    /** Each file's size before it rolls. */
    static final String MAX_FILE_SIZE = "10MB";
    /** Rolled files kept besides daemon.log: at most 5 x 10 MB in all. */
    static final int ROLLED_KEPT = 4;

    private DaemonLog() {
    }

    /** From now on this process logs at INFO to {@code dir/daemon.log}, rolled at {@link #MAX_FILE_SIZE}. */
    static void rollIn(Path dir) {
        rollIn(dir, MAX_FILE_SIZE, ROLLED_KEPT);
    }

    static void rollIn(Path dir, String maxFileSize, int rolledKept) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        context.putProperty("spindle.log.dir", dir.toString());
        context.putProperty("spindle.log.maxFileSize", maxFileSize);
        context.putProperty("spindle.log.rolled", Integer.toString(rolledKept));
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(DaemonLog.class.getResource("daemon-logback.xml"));
        } catch (JoranException e) {
            throw new IllegalStateException("cannot set up daemon.log in " + dir + ": " + e.getMessage(), e);
        }
        new StatusPrinter2().printInCaseOfErrorsOrWarnings(context); // to stderr, i.e. daemon.out
    }
}
