package dev.spindle.bus.router;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Which attached stream carries each context id: the one whose block holds it. Context-confined. */
final class RouteTable {

    private final TreeMap<Long, AttachedStream> byBlockStart = new TreeMap<>();

    /** The stream whose block holds {@code block}'s ids, if any; blocks are never shared. */
    AttachedStream overlapping(IdBlock block) {
        // blocks are disjoint, so only the last one starting before block's end can overlap it
        Map.Entry<Long, AttachedStream> candidate = byBlockStart.lowerEntry(block.end());
        return candidate != null && candidate.getValue().block().overlaps(block) ? candidate.getValue() : null;
    }

    void add(AttachedStream stream) {
        byBlockStart.put(stream.block().start(), stream);
    }

    void remove(AttachedStream stream) {
        byBlockStart.remove(stream.block().start(), stream);
    }

    /** The stream that routes context {@code id}, or null when no attached block holds it. */
    AttachedStream streamFor(int id) {
        Map.Entry<Long, AttachedStream> candidate = byBlockStart.floorEntry(Integer.toUnsignedLong(id));
        return candidate != null && candidate.getValue().block().contains(id) ? candidate.getValue() : null;
    }

    List<AttachedStream> all() {
        return new ArrayList<>(byBlockStart.values());
    }
}
