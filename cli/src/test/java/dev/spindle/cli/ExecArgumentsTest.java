package dev.spindle.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.spindle.cli.Main.UsageException;
import dev.spindle.push.Login;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExecArgumentsTest {

    @TempDir
    Path dir;

    @Test
    void sshTargetWithEveryOption() throws Exception {
        Path pw = Files.writeString(dir.resolve("pw"), "s3cret\n");
        ExecArguments args = ExecArguments.parse(List.of("-p", "2222", "-i", "/key", "--password-file", pw.toString(),
                "--no-host-key-check", "-o", "ConnectTimeout=3", "-b", "root", "--become-method", "su",
                "--become-password-file", pw.toString(), "alice@db1", "--", "uname", "-a"));
        Login.Ssh login = (Login.Ssh) args.target().login();
        assertEquals("db1", login.options().host());
        assertEquals("alice", login.options().user());
        assertEquals(2222, login.options().port());
        assertEquals("s3cret", login.options().password().orElseThrow());
        assertEquals(false, login.options().checkHostKey());
        assertEquals("su", args.target().become().orElseThrow().method());
        assertEquals("s3cret", args.target().become().orElseThrow().password().orElseThrow());
        assertEquals(List.of("uname", "-a"), args.command());
    }

    @Test
    void localNeedsNoDestination() throws Exception {
        ExecArguments args = ExecArguments.parse(List.of("--local", "--", "hostname"));
        assertTrue(args.target().login() instanceof Login.Local);
    }

    @Test
    void missingCommandIsAUsageError() {
        UsageException e = assertThrows(UsageException.class, () -> ExecArguments.parse(List.of("alice@db1")));
        assertTrue(e.getMessage().contains("-- CMD"), e.getMessage());
    }

    @Test
    void unknownOptionIsNamed() {
        UsageException e = assertThrows(UsageException.class, () -> ExecArguments.parse(List.of("--frobnicate", "h", "--", "x")));
        assertTrue(e.getMessage().contains("--frobnicate"), e.getMessage());
    }

    @Test
    void unsupportedBecomeMethodIsNamed() {
        UsageException e = assertThrows(UsageException.class,
                () -> ExecArguments.parse(List.of("-b", "root", "--become-method", "pbrun", "h", "--", "x")));
        assertTrue(e.getMessage().contains("pbrun"), e.getMessage());
    }

    @Test
    void unreadablePasswordFileIsNamed() {
        UsageException e = assertThrows(UsageException.class,
                () -> ExecArguments.parse(List.of("--password-file", "/nonexistent/pw", "h", "--", "x")));
        assertTrue(e.getMessage().contains("/nonexistent/pw"), e.getMessage());
    }
}
