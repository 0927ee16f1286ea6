package dev.spindle.push.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.common.kex.KeyExchangeFactory;
import org.junit.jupiter.api.Test;

class SshClientsTest {

    private static List<KeyExchangeFactory> available() {
        return SshClient.setUpDefaultClient().getKeyExchangeFactories();
    }

    @Test
    void curve25519ComesFirstByDefaultEvenWithBouncyCastle() {
        assertEquals("curve25519-sha256", SshClients.order(available(), List.of()).get(0).getName());
    }

    @Test
    void userKexListIsHonouredExactly() {
        List<KeyExchangeFactory> chosen = SshClients.order(available(), List.of("ecdh-sha2-nistp256", "curve25519-sha256"));
        assertEquals(List.of("ecdh-sha2-nistp256", "curve25519-sha256"), chosen.stream().map(KeyExchangeFactory::getName).toList());
    }

    @Test
    void unknownKexIsAnErrorNamingIt() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SshClients.order(available(), List.of("diffie-hellman-group0-md5")));
        assertEquals(true, e.getMessage().contains("diffie-hellman-group0-md5"));
    }
}
