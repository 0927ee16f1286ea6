package dev.spindle.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real accounts (root only): made, usable as the benchmark uses them, and gone afterwards. */
class BenchAccountTest {

    private static final Path SUDOERS = Path.of("/etc/sudoers.d/spindle-bench");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @BeforeEach
    void asRoot() {
        assumeTrue(BenchAccount.problem().isEmpty(), "needs root, useradd and visudo");
    }

    @Test
    void theAccountIsAPlainOneThatMaySudoAndIsGoneWithItsRuleAfterClose() throws Exception {
        try (BenchAccount account = BenchAccount.create()) {
            assertTrue(BenchAccount.exists());
            assertEquals(Path.of("/home/spindle-bench"), account.home());
            assertTrue(Files.isRegularFile(account.home().resolve(".bashrc")), "stock dotfiles from /etc/skel");
            String[] passwd = command("getent", "passwd", account.name()).split(":");
            assertEquals(BenchAccount.MARK, passwd[4]);
            assertEquals("/bin/bash", passwd[6].strip());
            String shadow = command("getent", "shadow", account.name()).split(":")[1];
            assertEquals("*", shadow, "no password, and not locked (OpenSSH refuses locked accounts even with a key)");
            assertEquals("root", command("runuser", "-u", account.name(), "--", "sudo", "-n", "id", "-un").strip());
            // a process of the account's, as a session would leave: removal takes it too
            run("runuser", "-u", account.name(), "--", "sh", "-c", "sleep 300 >/dev/null 2>&1 &");
        }
        assertGone();
    }

    @Test
    void oneBenchmarkAtATime() throws Exception {
        try (BenchAccount account = BenchAccount.create()) {
            IOException e = assertThrows(IOException.class, BenchAccount::create);
            assertTrue(e.getMessage().startsWith("another benchmark holds the spindle-bench account"), e.getMessage());
            assertTrue(BenchAccount.exists(), "the refused second benchmark removed nothing");
        }
        assertGone();
    }

    @Test
    void anAccountAKilledRunLeftIsReplaced() throws Exception {
        run("useradd", "--create-home", "--comment", BenchAccount.MARK, BenchAccount.NAME);
        Files.writeString(SUDOERS, "# left by a killed run\n");
        try (BenchAccount account = BenchAccount.create()) {
            assertTrue(BenchAccount.exists());
            assertTrue(Files.readString(SUDOERS).startsWith("spindle-bench ALL=(root) NOPASSWD: ALL"));
        }
        assertGone();
    }

    @Test
    void anAccountOfThatNameThatIsNotTheBenchmarksIsLeftAlone() throws Exception {
        run("useradd", "--create-home", "--comment", "someone's own", BenchAccount.NAME);
        try {
            IOException e = assertThrows(IOException.class, BenchAccount::create);
            assertTrue(e.getMessage().contains("exists and is not the benchmark's"), e.getMessage());
            assertTrue(BenchAccount.exists());
            assertFalse(Files.exists(SUDOERS));
        } finally {
            run("userdel", "--remove", "--force", BenchAccount.NAME);
        }
        // and the lock was let go: the next benchmark can run
        try (BenchAccount account = BenchAccount.create()) {
            assertTrue(BenchAccount.exists());
        }
        assertGone();
    }

    private static void assertGone() throws Exception {
        assertFalse(BenchAccount.exists());
        assertFalse(Files.exists(SUDOERS));
        assertFalse(Files.exists(Path.of("/home/spindle-bench")));
        assertTrue(ProcessHandle.allProcesses().noneMatch(p -> p.info().user().filter(BenchAccount.NAME::equals).isPresent()));
    }

    private static String command(String... argv) throws Exception {
        BoundedCommand.Result result = BoundedCommand.run(List.of(argv), "", TIMEOUT);
        assertEquals(0, result.status(), String.join(" ", argv) + ": " + result.output());
        return result.output();
    }

    private static void run(String... argv) throws Exception {
        command(argv);
    }
}
