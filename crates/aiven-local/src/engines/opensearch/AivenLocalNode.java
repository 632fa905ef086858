// One OpenSearch node for one aiven-local service: the engine's own Node
// class, started with its HTTP transport (Netty) and the security plugin
// as classpath plugins, from the jars scripts/setup.sh puts together from
// Maven Central. OpenSearch's own launcher expects a distribution (a
// directory of modules and plugins with descriptors); this one needs only
// the classpath, so the same jars serve every service.
//
// Usage: java -cp CLASSPATH AivenLocalNode CONFIG_DIR PID_FILE
// CONFIG_DIR holds opensearch.yml, log4j2.properties and the security
// plugin's files; PID_FILE is written as the launcher starts, and removed
// once the node has stopped.

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.security.OpenSearchSecurityPlugin;
import org.opensearch.transport.Netty4Plugin;

public final class AivenLocalNode extends Node {
    private static final List<Class<? extends Plugin>> PLUGINS = List.of(Netty4Plugin.class, OpenSearchSecurityPlugin.class);

    private AivenLocalNode(Environment environment) {
        super(environment, PLUGINS, true);
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: AivenLocalNode CONFIG_DIR PID_FILE");
            System.exit(2);
        }
        Path config = Paths.get(args[0]).toAbsolutePath();
        Path pidFile = Paths.get(args[1]).toAbsolutePath();
        // path.home is where OpenSearch looks for modules and plugins; there
        // are none beyond the classpath's, so the config dir's parent does.
        Settings home = Settings.builder().put("path.home", config.getParent().toString()).build();
        Environment environment = InternalSettingsPreparer.prepareEnvironment(home, Collections.emptyMap(), config, () -> "aiven-local");
        LogConfigurator.registerErrorListener();
        LogConfigurator.configure(environment);
        // The pid file first: a node that is still starting is one
        // aiven-local can find and stop (after a crash of its own, say).
        // aiven-local knows the node is ready when its HTTP port answers.
        Path partial = pidFile.resolveSibling(pidFile.getFileName() + ".part");
        Files.writeString(partial, Long.toString(ProcessHandle.current().pid()));
        Files.move(partial, pidFile, StandardCopyOption.ATOMIC_MOVE);
        AivenLocalNode node = new AivenLocalNode(environment);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception ignored) {
                // Stopping anyway: the data is flushed by close or not at all.
            } finally {
                try {
                    Files.deleteIfExists(pidFile);
                } catch (Exception ignored) {
                    // A stale pid file names a process that is gone.
                }
                stopped.countDown();
            }
        }, "aiven-local-stop"));
        node.start();
        stopped.await();
    }
}
