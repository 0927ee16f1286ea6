package dev.spindle.bench.equivalence;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.spindle.bench.AnsibleCore;

/**
 * One ansible-core the suite runs under: the installed one, or a tree put first on PYTHONPATH
 * (ansible-playbook then imports that release; an ansible/ansible checkout's {@code lib} or an
 * unpacked Debian package's {@code dist-packages}). The suite runs under the installed one,
 * Debian 13's 2.19 as scripts/fetch-ansible-core.sh unpacks it (scripts/setup.sh fetches it),
 * and every tree in {@code SPINDLE_ANSIBLE_TREES} (colon-separated).
 */
public record AnsibleTree(String name, Optional<Path> pythonPath) {

    static final String TREES_VARIABLE = "SPINDLE_ANSIBLE_TREES";

    public static List<AnsibleTree> toTest() {
        List<AnsibleTree> trees = new ArrayList<>(List.of(new AnsibleTree("installed", Optional.empty()), debian13()));
        for (String entry : System.getenv().getOrDefault(TREES_VARIABLE, "").split(":")) {
            if (!entry.isBlank()) {
                trees.add(new AnsibleTree("tree" + trees.size(), Optional.of(Path.of(entry))));
            }
        }
        return trees;
    }

    private static AnsibleTree debian13() {
        String cache = System.getenv("SPINDLE_CACHE");
        Path root = cache != null ? Path.of(cache) : Path.of(System.getProperty("user.home"), ".cache", "spindle");
        return new AnsibleTree("debian13",
                Optional.of(root.resolve("ansible-core-trixie/tree/usr/lib/python3/dist-packages")));
    }

    /** Why this tree can't be used, if it can't: a tree without ansible-core in it. */
    public Optional<String> problem() {
        try {
            core();
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage() + (name.equals("debian13")
                    ? " (scripts/fetch-ansible-core.sh fetches Debian 13's)" : " (from " + TREES_VARIABLE + ")"));
        }
    }

    /** What ansible-playbook needs in its environment to run this release. */
    public Map<String, String> environment() {
        return core().environment();
    }

    /** "ansible-core 2.19.11 (debian13)", as this tree's {@code ansible --version} reports it. */
    public String describe() throws IOException, InterruptedException {
        return "ansible-core " + core().version() + " (" + name + ")";
    }

    private AnsibleCore core() {
        return pythonPath.map(AnsibleCore::at).orElseGet(AnsibleCore::installed);
    }
}
