package dev.spindle.bridge.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** daemon.log through the real logback configuration, with a small cap so it rolls within the test. */
class DaemonLogTest {

    private static final long CAP = 10 * 1024;
    private static final int LINE = 200; // more than one line's worth of slack over the cap

    @TempDir
    Path dir;

    @AfterEach
    void restoreTheTestLogging() throws JoranException {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        new ContextInitializer(context).autoConfig();
    }

    @Test
    void daemonLogRollsAtItsCapAndKeepsAFixedNumberOfFiles() throws IOException {
        DaemonLog.rollIn(dir, "10KB", 2);
        Logger log = LoggerFactory.getLogger("spindle.agent");

        for (int i = 0; i < 3000; i++) {
            log.info("db1 [context 1000] spam: line {} of a target that logs far more than it should", i);
        }

        assertEquals(List.of("daemon.1.log", "daemon.2.log", "daemon.log"), files());
        for (String name : files()) {
            long size = Files.size(dir.resolve(name));
            assertTrue(size <= CAP + LINE, name + " has " + size + " bytes");
        }
        assertTrue(Files.readString(dir.resolve("daemon.log")).contains("line 2999 of a target"));
    }

    @Test
    void infoLinesReachTheDaemonLog() throws IOException {
        DaemonLog.rollIn(dir);

        LoggerFactory.getLogger(Daemon.class).info("spindle daemon listening");

        assertTrue(Files.readString(dir.resolve("daemon.log")).contains("INFO  Daemon - spindle daemon listening"));
    }

    private List<String> files() throws IOException {
        try (Stream<Path> listing = Files.list(dir)) {
            return listing.map(path -> path.getFileName().toString()).sorted().toList();
        }
    }
}
