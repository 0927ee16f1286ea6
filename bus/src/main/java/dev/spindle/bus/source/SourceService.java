package dev.spindle.bus.source;

import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Answers an agent's GET_SOURCE request with the source of one module under an allow-listed root.
 *
 * <p>A request can only name a module, never a path: the name must be dotted identifiers, its
 * first part an allow-listed root, and the file it resolves to must still lie inside that root
 * after every symlink is followed. Anything else is refused with {@code found: false} and one WARN
 * line naming the requesting context, so a target cannot make the controller read a file it was
 * not asked for.
 *
 * <p>{@link #lookup} reads files: call it on a worker thread, never on an event loop. Thread-safe.
 */
public final class SourceService {

    private static final Logger log = LoggerFactory.getLogger(SourceService.class);

    /** Longer names are refused unread: no Python module name needs more. */
    static final int MAX_NAME = 512;

    private final Map<String, Path> roots = new LinkedHashMap<>();

    public SourceService(List<SourceRoot> roots) {
        for (SourceRoot root : roots) {
            if (this.roots.putIfAbsent(root.rootPackage(), root.directory()) != null) {
                throw new IllegalArgumentException("root package listed twice: " + root.rootPackage());
            }
        }
    }

    /** A service with no roots: every request is refused. */
    public static SourceService none() {
        return new SourceService(List.of());
    }

    /**
     * Answers {@code {"fullname": "a.b.c"}} from context {@code requester} with
     * {@code {"fullname", "found": true, "is_pkg", "source"}} or {@code {"fullname", "found": false}}.
     * Blocks on file I/O.
     */
    public JsonObject lookup(int requester, JsonObject request) {
        Object requested = request.getValue("fullname");
        if (!(requested instanceof String fullname) || fullname.length() > MAX_NAME || !ModuleName.isDotted(fullname)) {
            return refuse(requester, requested, "it is not a dotted module name");
        }
        String[] parts = fullname.split("\\.");
        Path rootDir = roots.get(parts[0]);
        if (rootDir == null) {
            return refuse(requester, fullname, "it is not under an allow-listed root " + roots.keySet());
        }
        try {
            return find(requester, fullname, rootDir.toRealPath(), Arrays.copyOfRange(parts, 1, parts.length));
        } catch (IOException e) {
            log.warn("cannot serve source of {} to context {}: {}", fullname, Integer.toUnsignedString(requester),
                    e.toString());
            return notFound(fullname);
        }
    }

    /** Tries {@code rest/__init__.py} then {@code rest.py}, the order Python's FileFinder uses. */
    private JsonObject find(int requester, String fullname, Path realRoot, String[] rest) throws IOException {
        Path base = realRoot;
        for (String part : rest) {
            base = base.resolve(part);
        }
        Path packageInit = base.resolve("__init__.py");
        if (Files.isRegularFile(packageInit)) {
            return serve(requester, fullname, realRoot, packageInit, true);
        }
        if (rest.length == 0) {
            return notFound(fullname); // a root is a package or nothing
        }
        Path module = base.resolveSibling(rest[rest.length - 1] + ".py");
        if (Files.isRegularFile(module)) {
            return serve(requester, fullname, realRoot, module, false);
        }
        return notFound(fullname);
    }

    private JsonObject serve(int requester, String fullname, Path realRoot, Path file, boolean isPackage)
            throws IOException {
        Path real = file.toRealPath();
        if (!real.startsWith(realRoot)) {
            return refuse(requester, fullname, "it resolves to " + real + ", outside its root " + realRoot);
        }
        String source;
        try {
            source = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(Files.readAllBytes(real)))
                    .toString();
        } catch (CharacterCodingException e) {
            return refuse(requester, fullname, real + " is not UTF-8");
        }
        return new JsonObject().put("fullname", fullname).put("found", true).put("is_pkg", isPackage)
                .put("source", source);
    }

    private static JsonObject refuse(int requester, Object requested, String why) {
        // the name comes from the target: JSON-quote it so it cannot forge log lines, and cut it
        // so it cannot fill the log; echo it back only when it is a name we could have served
        String shown = Json.encode(requested);
        log.warn("refused source request from context {} for {}: {}", Integer.toUnsignedString(requester),
                shown.length() <= MAX_NAME ? shown : shown.substring(0, MAX_NAME) + "...", why);
        boolean echoable = requested instanceof String name && name.length() <= MAX_NAME && ModuleName.isDotted(name);
        return notFound(echoable ? (String) requested : null);
    }

    private static JsonObject notFound(String fullname) {
        return new JsonObject().put("fullname", fullname).put("found", false);
    }
}
