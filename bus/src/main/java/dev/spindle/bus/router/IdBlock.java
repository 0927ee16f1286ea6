package dev.spindle.bus.router;

/**
 * The context ids {@code [base, base + size)} bound to one login stream: the login agent is
 * {@code base}, its become children get the ids after it. Ids are unsigned 32-bit values.
 */
public record IdBlock(int base, int size) {

    private static final long ID_LIMIT = 1L << 32;

    public IdBlock {
        if (size < 1 || Integer.toUnsignedLong(base) + size > ID_LIMIT) {
            throw new IllegalArgumentException("not a block of unsigned 32-bit ids: base "
                    + Integer.toUnsignedString(base) + ", size " + size);
        }
    }

    public boolean contains(int id) {
        long offset = Integer.toUnsignedLong(id) - Integer.toUnsignedLong(base);
        return offset >= 0 && offset < size;
    }

    /**
     * Whether {@code parent} is the hop that routes {@code child}: the login agent ({@code base})
     * for each of its become children. Only that hop may report the child gone.
     */
    public boolean isParentOf(int parent, int child) {
        return parent == base && child != base && contains(child);
    }

    public boolean overlaps(IdBlock other) {
        return start() < other.end() && other.start() < end();
    }

    long start() {
        return Integer.toUnsignedLong(base);
    }

    long end() {
        return start() + size;
    }

    @Override
    public String toString() {
        return "[" + start() + ", " + end() + ")";
    }
}
