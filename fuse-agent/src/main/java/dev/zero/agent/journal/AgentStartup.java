package dev.zero.agent.journal;

import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import org.jboss.logging.Logger;

/**
 * The agent's start-up order, before the mount appears (the mount observes the same event at
 * a later priority): open the journal, register with the service if it answers, walk the
 * backing tree so the catalogue catches up with whatever a crash took from the journal, then
 * start shipping. The service being down delays nothing but the shipping.
 */
@ApplicationScoped
public class AgentStartup {
    private static final Logger LOG = Logger.getLogger(AgentStartup.class);

    private final Journal journal;
    private final JournalShipper shipper;
    private final Reconciler reconciler;

    AgentStartup(Journal journal, JournalShipper shipper, Reconciler reconciler) {
        this.journal = journal;
        this.shipper = shipper;
        this.reconciler = reconciler;
    }

    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) throws IOException {
        journal.open();
        shipper.tryRegister();
        reconciler.walk(true);
        shipper.start();
        LOG.info("journal shipping started");
    }
}
