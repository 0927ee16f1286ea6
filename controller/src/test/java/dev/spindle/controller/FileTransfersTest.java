package dev.spindle.controller;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.spindle.bus.call.RemoteException;
import dev.spindle.push.AgentContext;
import dev.spindle.push.ContextSpec;
import dev.spindle.push.Login;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files as raw bytes through a real local agent: puts and fetches bigger than their windows
 * arrive whole and verified; a fetch whose source changes or vanishes fails, naming it, and
 * leaves the destination as it was.
 */
@Timeout(120)
class FileTransfersTest {

    private static final int MIB = 1024 * 1024;

    @TempDir
    Path dir;

    private Controller controller;
    private AgentContext agent;

    @BeforeEach
    void startAgent() throws Exception {
        controller = Controller.start();
        agent = await(controller.contexts().get(ContextSpec.of(new Login.Local(Optional.empty()))));
    }

    @AfterEach
    void stop() {
        controller.close();
    }

    @Test
    void fetchOfAFileLargerThanTheWindowArrivesWholeAndVerified() throws Exception {
        byte[] data = random(12 * MIB + 1234); // the window is 64 items of 128 KiB: 8 MiB
        Path source = Files.write(dir.resolve("source"), data);
        Path dest = dir.resolve("back");

        JsonObject fetched = await(new FileTransfers(controller.vertx()).fetch(agent, source.toString(), dest));

        assertArrayEquals(data, Files.readAllBytes(dest));
        assertEquals(new JsonObject().put("size", (long) data.length).put("sha1", sha1(data)), fetched);
        assertEquals(List.of(), leftovers());
    }

    @Test
    void putOfAFileLargerThanTheWindowArrivesWholeAndVerified() throws Exception {
        byte[] data = random(5 * MIB + 77); // at most 4 MiB of chunk calls in flight
        Path source = Files.write(dir.resolve("source"), data);
        Path dest = dir.resolve("put");

        JsonObject put = await(new FileTransfers(controller.vertx()).put(agent, source, dest.toString()));

        assertArrayEquals(data, Files.readAllBytes(dest));
        assertEquals(new JsonObject().put("size", data.length).put("sha1", sha1(data)), put);
    }

    @Test
    void fetchOfASourceThatShrinksMidwayFailsAndLeavesTheOldDestination() throws Exception {
        Path source = Files.write(dir.resolve("shrinks"), random(MIB));

        // truncate: the size goes from 1 MiB to 1000 at once (Files.write would pass through 0,
        // which the agent may see first)
        RemoteException e = fetchChangingMidway(source, () -> {
            try (FileChannel channel = FileChannel.open(source, StandardOpenOption.WRITE)) {
                channel.truncate(1000);
            }
        });

        assertEquals("spindle.TransferError", e.type());
        assertTrue(e.remoteMessage().startsWith(source + " changed while it was read: " + MIB + " bytes at open, 1000 now"),
                e.remoteMessage());
    }

    @Test
    void fetchOfASourceRemovedMidwayFailsAndLeavesTheOldDestination() throws Exception {
        Path source = Files.write(dir.resolve("vanishes"), random(MIB));

        RemoteException e = fetchChangingMidway(source, () -> Files.delete(source));

        assertEquals("spindle.TransferError", e.type());
        assertTrue(e.remoteMessage().startsWith(source + " was removed while it was read"), e.remoteMessage());
    }

    @Test
    void fetchOfAMissingSourceNamesItAndWritesNothing() throws Exception {
        Path dest = dir.resolve("back");

        Throwable e = failure(new FileTransfers(controller.vertx()).fetch(agent, dir.resolve("missing").toString(), dest));

        RemoteException remote = assertInstanceOf(RemoteException.class, e);
        assertEquals("FileNotFoundError", remote.type());
        assertTrue(remote.remoteMessage().contains(dir.resolve("missing").toString()), remote.remoteMessage());
        assertFalse(Files.exists(dest));
        assertEquals(List.of(), leftovers());
    }

    private interface FileChange {
        void apply() throws IOException;
    }

    /**
     * Fetches {@code source} in 1 KiB items one at a time (thousands of round trips) over an
     * existing destination, applies {@code change} once the first bytes are on disk, and returns
     * the failure after checking the destination was left alone.
     */
    private RemoteException fetchChangingMidway(Path source, FileChange change) throws Exception {
        Path dest = Files.writeString(dir.resolve("back"), "the old contents");
        Future<JsonObject> fetch = new FileTransfers(controller.vertx(), new Download.Sizes(1024, 1))
                .fetch(agent, source.toString(), dest);
        while (!fetch.isComplete() && leftovers().stream().noneMatch(FileTransfersTest::hasBytes)) {
            Thread.sleep(1);
        }
        change.apply();

        RemoteException e = assertInstanceOf(RemoteException.class, failure(fetch));
        assertEquals("the old contents", Files.readString(dest));
        assertEquals(List.of(), leftovers());
        return e;
    }

    private List<Path> leftovers() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".spindle-part")).toList();
        }
    }

    private static boolean hasBytes(Path file) {
        try {
            return Files.size(file) > 0;
        } catch (IOException gone) {
            return false;
        }
    }

    private static byte[] random(int size) {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return data;
    }

    private static String sha1(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(data));
    }

    private static <T> T await(Future<T> future) throws Exception {
        return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    private static Throwable failure(Future<?> future) {
        return assertThrows(ExecutionException.class, () -> await(future)).getCause();
    }
}
