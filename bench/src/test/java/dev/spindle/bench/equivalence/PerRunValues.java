package dev.spindle.bench.equivalence;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Values that differ between two runs of the same playbooks whatever the transport: clocks,
 * random temporary names, inode numbers, async job ids, the machine's load. Each rule names
 * where it applies (a regex found in the flattened key, e.g. {@code results[3].start}) and what
 * it replaces (a regex on the value). Only the varying part becomes a placeholder: no result and
 * no key is ever dropped, so a value of the wrong shape still shows up as a difference.
 */
final class PerRunValues {

    private static final String ANY_KEY = "";

    record Rule(String why, Pattern key, Pattern value, String replacement) {

        Rule(String why, String key, String value, String replacement) {
            this(why, Pattern.compile(key), Pattern.compile(value), replacement);
        }

        boolean appliesTo(String flatKey) {
            return key.matcher(flatKey).find();
        }

        String apply(String text) {
            return value.matcher(text).replaceAll(replacement);
        }
    }

    static final List<Rule> RULES = List.of(
            new Rule("command's start and end times", "(^|\\.)(start|end)$",
                    "^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6}$", "<timestamp>"),
            new Rule("command's duration", "(^|\\.)delta$", "^\\d+:\\d\\d:\\d\\d\\.\\d{6}$", "<duration>"),
            new Rule("file times: every run writes the files anew", "(^|\\.)(stat|before|after)\\.(atime|mtime|ctime)$",
                    "^\\d+(\\.\\d+)?$", "<file-time>"),
            new Rule("inode and inode generation of files written anew", "(^|\\.)stat\\.(inode|version)$",
                    "^\\d+$", "<inode>"),
            new Rule("remote temp dirs: ansible-tmp-<time>-<pid>-<random>", ANY_KEY,
                    "ansible-tmp-\\d+\\.\\d+-\\d+-\\d+", "ansible-tmp-<id>"),
            new Rule("controller temp dirs: ansible-local-<pid><random>", ANY_KEY,
                    "ansible-local-\\d+[a-z0-9_]{8}", "ansible-local-<id>"),
            new Rule("module temp dirs: ansible-moduletmp-<time>-<random>", ANY_KEY,
                    "ansible-moduletmp-\\d+(\\.\\d+)?-[a-z0-9_]{8}", "ansible-moduletmp-<id>"),
            new Rule("Python tempfile names (copy's _original_basename, diff headers)", ANY_KEY,
                    "\\btmp[a-z0-9_]{8}\\b", "tmp<random>"),
            new Rule("copy's temp file for content since ansible-core 2.19: .<random>",
                    "(^|\\.)invocation\\.module_args\\._original_basename$", "^\\.[a-z0-9_]{8}$", ".<random>"),
            new Rule("AnsiballZ's payload dir in tracebacks: ansible_<module>_payload_<random>/", ANY_KEY,
                    "_payload_[a-z0-9_]{8}(?=/)", "_payload_<random>"),
            new Rule("AnsiballZ's own wrapper frames in tracebacks (File \"<stdin>\" ... in _ansiballz_main): "
                    + "the module's frames, from runpy down, are compared", ANY_KEY,
                    "  File \"<stdin>\", line \\d+, in (<module>|_ansiballz_main|invoke_module)\\r?\\n", ""),
            new Rule("async job ids: j<random>.<pid>", ANY_KEY, "\\bj\\d+\\.\\d+\\b", "j<job-id>"),
            new Rule("the target's clock", "(^|\\.)ansible_facts\\.ansible_date_time\\.", "^.*$", "<now>"),
            new Rule("the target's load, free memory, free disk and uptime",
                    "(^|\\.)ansible_facts\\.ansible_(uptime_seconds|memfree_mb|memory_mb\\.\\w+\\.(free|used|cached)"
                            + "|loadavg\\.\\w+|mounts\\[\\d+]\\.(block|inode|size)_(available|used))$",
                    "^.*$", "<varies>"),
            new Rule("the SSH client's source port", "(^|\\.)ansible_facts\\.ansible_env\\.SSH_(CLIENT|CONNECTION)$",
                    "^(\\S+) \\d+ ", "$1 <port> "));

    /** Lists Ansible builds from Python sets: their order follows the interpreter's hash seed. */
    private static final Pattern UNORDERED_LISTS = Pattern.compile(
            "(^|\\.)ansible_facts\\.ansible_(interfaces|virtualization_tech_guest|virtualization_tech_host)$");

    private PerRunValues() {
    }

    /**
     * The value with this run's controller directory and every applicable rule replaced. The
     * run directory is each run's own (fetch and delegate_to write there), so it is replaced
     * literally by {@code <run-dir>} rather than by a pattern.
     */
    static String normalize(String flatKey, String value, String runDir) {
        String text = value.replace(runDir, "<run-dir>");
        for (Rule rule : RULES) {
            if (rule.appliesTo(flatKey)) {
                text = rule.apply(text);
            }
        }
        return text;
    }

    static boolean isUnorderedList(String flatKey) {
        return UNORDERED_LISTS.matcher(flatKey).find();
    }
}
