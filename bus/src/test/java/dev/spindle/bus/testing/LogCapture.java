package dev.spindle.bus.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the log lines written while it is open, in place of the console and at the daemon's
 * level (INFO): a test that provokes warnings on purpose asserts on them instead of printing them.
 * Register it with {@code @RegisterExtension} or close it.
 */
public final class LogCapture implements AutoCloseable, AfterEachCallback {

    private static final String CONSOLE = "CONSOLE"; // the appender logback-test.xml names

    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final Appender<ILoggingEvent> console = root.getAppender(CONSOLE);
    private final Level level = root.getLevel();

    public LogCapture() {
        root.setLevel(Level.INFO);
        captured.start();
        root.addAppender(captured);
        if (console != null) {
            root.detachAppender(console);
        }
    }

    /** The formatted messages of lines from {@code loggerName}, oldest first. */
    public List<String> messagesOf(String loggerName) {
        return events().stream().filter(e -> e.getLoggerName().equals(loggerName))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** The formatted messages of every line, oldest first. */
    public List<String> messages() {
        return events().stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    private List<ILoggingEvent> events() {
        synchronized (captured) { // AppenderBase appends under the appender's own lock
            return new ArrayList<>(captured.list);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        close();
    }

    @Override
    public void close() {
        root.detachAppender(captured);
        root.setLevel(level);
        if (console != null && root.getAppender(CONSOLE) == null) {
            root.addAppender(console);
        }
    }
}
