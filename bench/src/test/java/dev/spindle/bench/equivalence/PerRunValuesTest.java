package dev.spindle.bench.equivalence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PerRunValuesTest {

    private static final String RUN_DIR = "/tmp/junit-1/vanilla";

    private static String normalize(String key, String value) {
        return PerRunValues.normalize(key, value, RUN_DIR);
    }

    @Test
    void commandTimesBecomePlaceholders() {
        assertEquals("<timestamp>", normalize("start", "2026-11-26 02:32:57.950693"));
        assertEquals("<timestamp>", normalize("results[10].end", "2026-11-26 02:32:59.409012"));
        assertEquals("<duration>", normalize("results[10].delta", "0:00:01.004461"));
    }

    @Test
    void valuesOfTheWrongShapeAreLeftAlone() {
        assertEquals("soon", normalize("delta", "soon"));
        assertEquals("2026-11-26", normalize("start", "2026-11-26"));
    }

    @Test
    void temporaryPathsKeepEverythingButTheirRandomPart() {
        assertEquals("/home/spindle-login/.ansible/tmp/ansible-tmp-<id>/source",
                normalize("src", "/home/spindle-login/.ansible/tmp/ansible-tmp-1795660366.6684487-24268-24448895842522/source"));
        assertEquals("/root/.ansible/tmp/ansible-local-<id>/tmp<random>/greeting.j2",
                normalize("diff[0].after_header", "/root/.ansible/tmp/ansible-local-24981h4cza99r/tmp3z76tbk2/greeting.j2"));
        assertEquals("File \"/tmp/ansible_spindle_eq_raises_payload_<random>/ansible_spindle_eq_raises_payload.zip/x.py\"",
                normalize("module_stderr", "File \"/tmp/ansible_spindle_eq_raises_payload_pzugg8ka/ansible_spindle_eq_raises_payload.zip/x.py\""));
    }

    @Test
    void asyncJobIdsAreMaskedWherever() {
        assertEquals("/home/spindle-login/.ansible_async/j<job-id>",
                normalize("results_file", "/home/spindle-login/.ansible_async/j111417325197.26357"));
        assertEquals("j<job-id>", normalize("invocation.module_args.jid", "j111417325197.26357"));
    }

    @Test
    void theRunsOwnDirectoryIsReplacedLiterally() {
        assertEquals("<run-dir>/fetched/big.bin", normalize("dest", RUN_DIR + "/fetched/big.bin"));
        assertEquals("/tmp/junit-1/spindle/x", normalize("dest", "/tmp/junit-1/spindle/x"));
    }

    @Test
    void fileTimesAndInodesOnlyInStatResults() {
        assertEquals("<file-time>", normalize("stat.mtime", "1795660361.034669"));
        assertEquals("<inode>", normalize("stat.inode", "1466391"));
        assertEquals("1795660361.034669", normalize("mtime", "1795660361.034669"));
    }

    @Test
    void sshClientPortIsMaskedButTheAddressesStay() {
        assertEquals("127.0.0.1 <port> 35011", normalize("ansible_facts.ansible_env.SSH_CLIENT", "127.0.0.1 45076 35011"));
        assertEquals("127.0.0.1 <port> 127.0.0.1 35011",
                normalize("ansible_facts.ansible_env.SSH_CONNECTION", "127.0.0.1 45076 127.0.0.1 35011"));
    }

    @Test
    void changingFactsAreMaskedAndStableOnesAreNot() {
        assertEquals("<now>", normalize("ansible_facts.ansible_date_time.epoch", "1795660375"));
        assertEquals("<varies>", normalize("ansible_facts.ansible_mounts[0].size_available", "84988723200"));
        assertEquals("<varies>", normalize("ansible_facts.ansible_memory_mb.real.free", "23047"));
        assertEquals("23000", normalize("ansible_facts.ansible_memtotal_mb", "23000"));
    }
}
