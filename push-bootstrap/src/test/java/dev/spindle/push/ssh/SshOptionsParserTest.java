package dev.spindle.push.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class SshOptionsParserTest {

    private static SshOptions parse(String args) {
        SshOptions.Builder builder = SshOptions.builder("db1", "alice");
        new SshOptionsParser(builder).applyArgumentString(args);
        return builder.build();
    }

    @Test
    void ansibleDefaultSshArgsTurnOnCompressionOnly() {
        SshOptions options = parse("-C -o ControlMaster=auto -o ControlPersist=60s");
        assertTrue(options.compression());
        assertEquals(22, options.port());
        assertTrue(options.checkHostKey());
        assertFalse(parse("").compression());
        assertFalse(parse("-C -o Compression=no").compression());
    }

    @Test
    void emulatedOptionsAreApplied() {
        SshOptions options = parse("-o Port=2222 -oUser=bob -i /k1 -o 'IdentityFile /k2' -o StrictHostKeyChecking=no "
                + "-o UserKnownHostsFile=/kh -o ConnectTimeout=7 -o KexAlgorithms=curve25519-sha256,ecdh-sha2-nistp256 "
                + "-o PasswordAuthentication=no");
        assertEquals(2222, options.port());
        assertEquals("bob", options.user());
        assertEquals(List.of(Path.of("/k1"), Path.of("/k2")), options.identityFiles());
        assertFalse(options.checkHostKey());
        assertEquals(Path.of("/kh"), options.knownHostsFile());
        assertEquals(Duration.ofSeconds(7), options.connectTimeout());
        assertEquals(List.of("curve25519-sha256", "ecdh-sha2-nistp256"), options.kexAlgorithms());
        assertFalse(options.passwordAuth());
    }

    @Test
    void serverAliveOptionsSetTheKeepaliveAndZeroTurnsItOff() {
        SshOptions defaults = parse("");
        assertEquals(SshOptions.DEFAULT_KEEPALIVE_INTERVAL, defaults.keepaliveInterval());
        assertEquals(SshOptions.DEFAULT_KEEPALIVE_COUNT_MAX, defaults.keepaliveCountMax());
        SshOptions set = parse("-o ServerAliveInterval=5 -o ServerAliveCountMax=2");
        assertEquals(java.time.Duration.ofSeconds(5), set.keepaliveInterval());
        assertEquals(2, set.keepaliveCountMax());
        assertTrue(parse("-o ServerAliveInterval=0").keepaliveInterval().isZero());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("-o ServerAliveCountMax=0"));
        assertTrue(e.getMessage().contains("ServerAliveCountMax"), e.getMessage());
    }

    @Test
    void strictHostKeyCheckingAcceptNewStillChecks() {
        assertTrue(parse("-o StrictHostKeyChecking=accept-new").checkHostKey());
    }

    @Test
    void unsupportedOptionIsAnErrorNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("-o ProxyCommand='nc %h %p'"));
        assertTrue(e.getMessage().contains("ProxyCommand"), e.getMessage());
    }

    @Test
    void unsupportedFlagIsAnErrorNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("-J jumphost"));
        assertTrue(e.getMessage().contains("-J"), e.getMessage());
    }

    @Test
    void badPortIsAnError() {
        assertThrows(IllegalArgumentException.class, () -> parse("-p 70000"));
        assertThrows(IllegalArgumentException.class, () -> parse("-o Port=ssh"));
    }

    @Test
    void optionWithoutValueIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse("-o Port"));
        assertTrue(e.getMessage().contains("no value"), e.getMessage());
    }

    @Test
    void passwordNeverAppearsInToString() {
        SshOptions options = SshOptions.builder("db1", "alice").password("hunter2").build();
        assertFalse(options.toString().contains("hunter2"));
    }
}
