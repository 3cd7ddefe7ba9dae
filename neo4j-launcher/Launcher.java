// Local Neo4j 5.26 Community server for development, tests and CI without Docker.
//
// Runs the embeddable DBMS (org.neo4j:neo4j, see pom.xml) with only the Bolt connector,
// bound to 127.0.0.1, with authentication disabled. Meant for throw-away test data: never
// expose it on a public interface.
//
// Usage:
//   java -Xmx1g -cp 'classes:lib/*' Launcher --data DIR [--port 7687]
//        [--pagecache-mb 512] [--tx-memory-mb 640]
//
// Prints "READY bolt://127.0.0.1:<port>" on stdout once the default database is available,
// then blocks until the process is terminated; a shutdown hook stops the DBMS cleanly on
// SIGTERM / SIGINT. Built and driven by tierwatch/neo4j_local.py.

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.BoltConnectorInternalSettings;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;

public final class Launcher {
    private static final String HOST = "127.0.0.1";

    private Launcher() {}

    public static void main(String[] args) throws Exception {
        int port = 7687;
        Path data = null;
        long pagecacheMb = 512;
        long txMemoryMb = 640;

        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--port" -> port = Integer.parseInt(value(args, ++i, arg));
                case "--data" -> data = Path.of(value(args, ++i, arg));
                case "--pagecache-mb" -> pagecacheMb = Long.parseLong(value(args, ++i, arg));
                case "--tx-memory-mb" -> txMemoryMb = Long.parseLong(value(args, ++i, arg));
                case "-h", "--help" -> {
                    System.out.println("usage: Launcher --data DIR [--port 7687] [--pagecache-mb 512]"
                            + " [--tx-memory-mb 640]");
                    return;
                }
                default -> fail("unknown argument: " + arg);
            }
        }
        if (data == null) {
            fail("missing required argument: --data DIR");
        }
        if (port < 1 || port > 65535) {
            fail("invalid --port: " + port);
        }
        Files.createDirectories(data);

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(data.toAbsolutePath())
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(HOST, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                // Internal (unsupported) settings, pinned with neo4j 5.26.0: no usage-report phone-home,
                // and stop Bolt in ~2 s instead of 2 x 5 s on shutdown (nothing to drain in a test DB).
                .setConfig(GraphDatabaseInternalSettings.udc_network_enabled, false)
                .setConfig(BoltConnectorInternalSettings.thread_pool_shutdown_wait_time, Duration.ofSeconds(1))
                .setConfig(BoltConnectorInternalSettings.connection_shutdown_wait_time, Duration.ofSeconds(1))
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pagecacheMb))
                // Cap the memory of all running transactions together; a single transaction may use
                // up to that cap. Keeps a runaway query from taking the JVM down with OOM.
                .setConfig(GraphDatabaseSettings.memory_transaction_global_max_size,
                        ByteUnit.mebiBytes(txMemoryMb))
                .build();

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("STOPPING");
            System.out.flush();
            try {
                dbms.shutdown();
            } finally {
                System.out.println("STOPPED");
                System.out.flush();
                stopped.countDown();
            }
        }, "neo4j-launcher-shutdown"));

        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        while (!db.isAvailable(TimeUnit.SECONDS.toMillis(5))) {
            System.out.println("waiting for database " + GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
            System.out.flush();
        }
        System.out.println("READY bolt://" + HOST + ":" + port);
        System.out.flush();

        // Block until the JVM is asked to exit (SIGTERM/SIGINT); the hook then shuts down the DBMS.
        stopped.await();
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) {
            fail("missing value for " + name);
        }
        return args[i];
    }

    private static void fail(String message) {
        System.err.println("Launcher: " + message);
        System.exit(2);
    }
}
