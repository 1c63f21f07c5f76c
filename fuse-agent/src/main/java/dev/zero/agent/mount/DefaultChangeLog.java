package dev.zero.agent.mount;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

import org.jboss.logging.Logger;

import dev.zero.agent.journal.ChangeLog;
import dev.zero.api.FileMeta;
import io.quarkus.arc.DefaultBean;

/** A ChangeLog that only logs at debug, used until a real journal bean exists (any other ChangeLog bean replaces it). */
@ApplicationScoped
public class DefaultChangeLog {
    private static final Logger LOG = Logger.getLogger(DefaultChangeLog.class);

    @Produces
    @DefaultBean
    @ApplicationScoped
    ChangeLog loggingChangeLog() {
        return new ChangeLog() {
            @Override
            public void created(long fileId, long parentId, String name, FileMeta meta, String linkTarget) {
                LOG.debugf("created %d in %d as %s", fileId, parentId, name);
            }

            @Override
            public void linked(long fileId, long parentId, String name, FileMeta meta) {
                LOG.debugf("linked %d in %d as %s", fileId, parentId, name);
            }

            @Override
            public void unlinked(Long fileId, long parentId, String name) {
                LOG.debugf("unlinked %s from %d", name, parentId);
            }

            @Override
            public void renamed(Long fileId, long parentId, String name, long newParentId, String newName) {
                LOG.debugf("renamed %d/%s to %d/%s", parentId, name, newParentId, newName);
            }

            @Override
            public void attributesChanged(long fileId, FileMeta meta) {
                LOG.debugf("attributes of %d changed", fileId);
            }

            @Override
            public void contentChanged(long fileId, FileMeta meta) {
                LOG.debugf("content of %d changed (version %d)", fileId, meta.contentVersion());
            }

            @Override
            public void accessed(long fileId) {
            }
        };
    }
}
