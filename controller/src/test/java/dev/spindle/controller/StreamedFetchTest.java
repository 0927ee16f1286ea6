package dev.spindle.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import dev.spindle.bus.call.ReplyStream;
import dev.spindle.push.AgentContext;
import dev.spindle.push.ContextSpec;
import dev.spindle.push.Login;
import dev.spindle.push.calls.AgentCall;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The bus's streamed replies against the real agent: fetch_stream sends a file as raw items under credit. */
@Timeout(60)
class StreamedFetchTest {

    @TempDir
    Path dir;

    @Test
    void fileArrivesAsRawItemsThenItsSizeAndDigest() throws Exception {
        byte[] data = new byte[10_500];
        new Random(7).nextBytes(data);
        Path file = Files.write(dir.resolve("data"), data);
        Buffer received = Buffer.buffer();

        try (Controller controller = Controller.start()) {
            AgentContext agent = controller.contexts().get(ContextSpec.of(new Login.Local(Optional.empty())))
                    .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
            ReplyStream stream = agent.stream(new AgentCall.FetchStream(file.toString(), 1000), 2, Duration.ofSeconds(20));
            stream.handler(chunk -> received.appendBuffer((Buffer) chunk));
            JsonObject end = (JsonObject) stream.result().toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);

            assertEquals(Buffer.buffer(data), received);
            assertEquals(new JsonObject().put("size", data.length)
                    .put("sha1", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(data))), end);
        }
    }
}
