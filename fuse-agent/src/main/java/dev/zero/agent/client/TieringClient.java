package dev.zero.agent.client;

import dev.zero.api.HostCredential;
import dev.zero.api.HostReport;
import dev.zero.api.HostView;
import dev.zero.api.JournalAck;
import dev.zero.api.JournalBatch;
import dev.zero.api.ObjectManifest;
import dev.zero.api.StoredObject;
import dev.zero.api.TaskResult;
import dev.zero.api.TaskView;
import dev.zero.api.UploadConfirmation;
import dev.zero.api.VolumeRegistration;
import dev.zero.api.VolumeView;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

/**
 * The agent's one way to the tiering service. Failures come out as {@link Unreachable} (the
 * service could not be asked: retry later) or {@link Refused} (it answered no: the status and
 * its message), so callers decide between waiting and repairing.
 */
@ApplicationScoped
public class TieringClient {
    private static final Logger LOG = Logger.getLogger(TieringClient.class);
    private final HostsRestClient hosts;
    private final VolumesRestClient volumes;

    private final HostCredentialStore credential;

    TieringClient(@RestClient HostsRestClient hosts, @RestClient VolumesRestClient volumes, HostCredentialStore credential) {
        this.hosts = hosts;
        this.volumes = volumes;
        this.credential = credential;
    }

    /**
     * Makes sure this host holds its credential: enrols it with the enrolment token the first
     * time. Refused when there is neither a credential nor an enrolment token, or when the
     * service will not enrol the host (it is enrolled already: an admin must issue a credential).
     */
    public synchronized void ensureCredential() {
        if (credential.current().isPresent()) {
            return;
        }
        String host = credential.host();
        if (credential.enrolmentToken().isEmpty()) {
            throw new Refused(401, "host " + host + " has no credential: set zero.agent.enrolment-token (ZERO_AGENT_ENROLMENT_TOKEN) to the"
                    + " service's enrolment token, or zero.agent.token to a credential an admin issued");
        }
        HostCredential issued = attempt(() -> hosts.enrol(host));
        credential.store(issued.token());
        LOG.infof("host %s enrolled: its credential is kept in the agent's state directory", host);
    }

    public HostView heartbeat(String host, HostReport report) {
        return call(() -> hosts.heartbeat(host, report));
    }

    public VolumeView register(String volume, String host) {
        return call(() -> volumes.register(volume, new VolumeRegistration(host)));
    }

    public JournalAck ingest(String volume, JournalBatch batch) {
        return call(() -> volumes.ingest(volume, batch));
    }

    /** Claims tasks for the host, waiting up to {@code waitSeconds} for some (a long poll). */
    public java.util.List<TaskView> pollTasks(String host, int max, int waitSeconds) {
        return call(() -> hosts.pollTasks(host, max, waitSeconds));
    }

    public void taskProgress(String host, long task, long bytes) {
        call(() -> {
            hosts.taskProgress(host, task, new dev.zero.api.TaskProgress(bytes));
            return null;
        });
    }

    public void completeTask(String host, long task, TaskResult result) {
        call(() -> {
            hosts.completeTask(host, task, result);
            return null;
        });
    }

    public StoredObject confirm(String volume, long file, String nonce, UploadConfirmation confirmation) {
        return call(() -> volumes.confirm(volume, file, nonce, confirmation));
    }

    public ObjectManifest manifest(String volume, long file, long version, String nonce) {
        return call(() -> volumes.manifest(volume, file, version, nonce));
    }

    /**
     * One call; when the service does not know this host's stored credential (its catalogue was
     * rebuilt) the agent enrols again, once, and repeats the call. A revoked credential stays
     * refused: the service will not enrol a host that had one.
     */
    private <T> T call(java.util.function.Supplier<T> request) {
        String presented = credential.current().orElse(null);
        try {
            return attempt(request);
        } catch (Refused refused) {
            if (refused.status() == 401 && presented != null && enrolAgain(presented)) {
                return attempt(request);
            }
            if (refused.status() == 401 && presented != null) {
                throw new Refused(401, refused.message + " (" + credential.whenRefused() + ")");
            }
            throw refused;
        }
    }

    private synchronized boolean enrolAgain(String refusedToken) {
        if (!refusedToken.equals(credential.current().orElse(null))) {
            return true; // another call has enrolled again meanwhile
        }
        if (!credential.renewable()) {
            return false;
        }
        try {
            HostCredential issued = attempt(() -> hosts.enrol(credential.host()));
            credential.store(issued.token());
            LOG.warnf("the service did not know the credential of host %s (was its catalogue rebuilt?): enrolled again", credential.host());
            return true;
        } catch (Refused notEnrolled) {
            LOG.warnf("host %s cannot enrol again: %s", credential.host(), notEnrolled.getMessage());
            return false;
        }
    }

    private <T> T attempt(java.util.function.Supplier<T> request) {
        try {
            return request.get();
        } catch (WebApplicationException e) {
            int status = e.getResponse().getStatus();
            String message;
            try {
                message = e.getResponse().readEntity(String.class);
            } catch (RuntimeException unreadable) {
                message = e.getMessage();
            }
            if (status >= 500 || status == 408 || status == 429) {
                throw new Unreachable("service answered " + status + ": " + message, e);
            }
            throw new Refused(status, message);
        } catch (ProcessingException e) {
            throw new Unreachable("service unreachable: " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    /** The service could not be asked, or is temporarily unable to answer; try again later. */
    public static final class Unreachable extends RuntimeException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The service refused the call (4xx). */
    public static final class Refused extends RuntimeException {
        private final int status;
        private final String message;

        Refused(int status, String message) {
            super(status + " " + message);
            this.status = status;
            this.message = message;
        }

        public int status() {
            return status;
        }
    }
}
