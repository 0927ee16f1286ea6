package dev.spindle.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
class OpenSshServersTest {

    private static final int COUNT = 5;

    @TempDir
    Path dir;

    @Test
    void startsDistinctServersThatAcceptTheSharedKeyAndKillsThemAndTheirSessionsByPid() throws Exception {
        assumeTrue(OpenSshServer.available(), "needs /usr/sbin/sshd and ssh-keygen");
        String user = System.getProperty("user.name");
        List<Long> pids = new ArrayList<>();
        List<Process> sessions = new ArrayList<>();
        try (OpenSshServers servers = OpenSshServers.start(dir, COUNT)) {
            assertEquals(COUNT, servers.size());
            assertEquals(COUNT, servers.all().stream().map(OpenSshServer::port).distinct().count(), "distinct ports");
            Set<String> hostKeys = servers.all().stream().map(s -> read(s.knownHosts()).split(" ", 2)[1])
                    .collect(Collectors.toSet());
            assertEquals(COUNT, hostKeys.size(), "one host key each");
            for (OpenSshServer server : servers.all()) {
                assertEquals(server.clientKey(), servers.clientKey());
                pids.add(server.pid());
                // a session that would outlive a listener stopped the polite way
                List<String> command = new ArrayList<>(server.sshClientArgs(user));
                command.add("echo up; exec sleep 600");
                Process session = new ProcessBuilder(command).redirectErrorStream(true).start();
                sessions.add(session);
                assertEquals("up", new String(session.getInputStream().readNBytes(2), StandardCharsets.UTF_8));
                assertEquals(1, server.publicKeyLogins(user), server.log());
            }
            OpenSshServer first = servers.get(0);
            long sessionProcesses = ProcessHandle.of(first.pid()).orElseThrow().descendants().count();
            assertTrue(sessionProcesses >= 2, "sshd's session and the sleep run under the listener");
            List<ProcessHandle> firstSessions = ProcessHandle.of(first.pid()).orElseThrow().descendants().toList();

            first.kill();

            assertTrue(sessions.get(0).waitFor(10, TimeUnit.SECONDS), "the client saw its session end");
            awaitGone(firstSessions);
            assertThrows(IOException.class, () -> connect(first.port()), "nothing listens any more");
            assertTrue(ProcessHandle.of(servers.get(1).pid()).isPresent(), "the others live on");
            connect(servers.get(1).port());
        }
        List<ProcessHandle> everything = new ArrayList<>();
        pids.forEach(pid -> ProcessHandle.of(pid).ifPresent(everything::add));
        awaitGone(everything);
        for (Process session : sessions) {
            assertTrue(session.waitFor(10, TimeUnit.SECONDS), "every session ended with its server");
        }
    }

    private static void awaitGone(List<ProcessHandle> processes) throws InterruptedException {
        for (ProcessHandle process : processes) {
            for (int i = 0; i < 500 && process.isAlive(); i++) {
                Thread.sleep(10);
            }
            assertFalse(process.isAlive(), process.info().commandLine().orElse(process.toString()) + " still runs");
        }
    }

    private static void connect(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file).trim();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
