package dev.spindle.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's JVM options are defined once, and both launchers use that definition. */
class SpindleDaemonLauncherTest {

    private static final Path OPTIONS = RepositoryLayout.ofRunningCode().daemonJvmOptions();

    @Test
    void theOptionsCapTheHeapPickC1AndTheSerialCollectorAndRaiseTheFdLimit() throws Exception {
        assertEquals("-Xmx4g -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:+MaxFDLimit", options(""));
        assertEquals("-Xmx512m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:+MaxFDLimit", options("SPINDLE_DAEMON_HEAP=512m; "));
    }

    @Test
    void theBenchmarksLauncherSourcesThemForTheDaemonOnly(@TempDir Path dir) throws Exception {
        String launcher = Files.readString(SpindleDaemon.writeLauncher(dir));
        assertTrue(launcher.contains("[ \"$1\" = daemon ] && . '" + OPTIONS + "'\n"), launcher);
        assertTrue(launcher.contains("' $daemon_jvm_options -cp '"), launcher);
        String classPath = launcher.substring(launcher.indexOf(" -cp '") + 6, launcher.indexOf("' dev.spindle.cli.Main"));
        for (String entry : classPath.split(":")) {
            assertTrue(Path.of(entry).isAbsolute(), "the plugin starts the daemon from another directory: " + entry);
        }
    }

    @Test
    void theCheckoutsLauncherSourcesThemToo() throws Exception {
        String spindle = Files.readString(RepositoryLayout.ofRunningCode().root().resolve("spindle"));
        assertTrue(spindle.contains(". \"$here/scripts/daemon-jvm-options.sh\""), spindle);
        assertTrue(!spindle.contains("TieredStopAtLevel"), "defined once, in " + OPTIONS);
    }

    private static String options(String assignments) throws Exception {
        BoundedCommand.Result result = BoundedCommand.run(List.of("/bin/sh", "-c",
                "unset SPINDLE_DAEMON_HEAP; " + assignments + ". '" + OPTIONS + "'; printf %s \"$daemon_jvm_options\""),
                "", Duration.ofSeconds(10));
        assertEquals(0, result.status(), result.output());
        return result.output();
    }
}
