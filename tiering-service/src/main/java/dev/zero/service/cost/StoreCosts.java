package dev.zero.service.cost;

import dev.zero.api.VolumeStatus;
import dev.zero.service.catalogue.Db;
import dev.zero.service.config.ServiceConfig;
import dev.zero.service.store.ObjectStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a volume holds in the object store and what that costs a month at the configured B2
 * prices: storage of every byte kept (older versions too, until collected), the last 30 days
 * of downloads as a month's egress and class B calls, and the class C calls this replica makes.
 * No peer tells its user what tiering costs; this is an upper bound (free allowances ignored).
 */
@ApplicationScoped
public class StoreCosts {
    private final Db db;
    private final ObjectStore store;
    private final ServiceConfig.Prices prices;

    StoreCosts(Db db, ObjectStore store, ServiceConfig config) {
        this.db = db;
        this.store = store;
        this.prices = config.store().b2().prices();
    }

    public VolumeStatus.StoreUsage usage(String volume) {
        String keyPrefix = volume + "/";
        long[] stored = new long[2];
        long[] downloads = new long[2];
        db.inTransaction(c -> {
            try (var s = Db.bind(c.prepareStatement("select count(*), coalesce(sum(size), 0) from object where left(key, length(?)) = ?"),
                    keyPrefix, keyPrefix); var rs = s.executeQuery()) {
                rs.next();
                stored[0] = rs.getLong(1);
                stored[1] = rs.getLong(2);
            }
            try (var s = Db.bind(c.prepareStatement("""
                    select count(*), coalesce(sum(t.bytes), 0) from transfer t join volume v on v.id = t.volume_id
                    where v.name = ? and t.direction = 'DOWN' and t.started_at > now() - interval '30 days'"""), volume);
                    var rs = s.executeQuery()) {
                rs.next();
                downloads[0] = rs.getLong(1);
                downloads[1] = rs.getLong(2);
            }
            return null;
        });
        Map<String, Long> calls = new TreeMap<>();
        for (String c : new String[] {"A", "B", "C"}) {
            long n = store.callsOfClass(c);
            if (n >= 0) {
                calls.put(c, n);
            }
        }
        Double monthly = null;
        if (store.kind().equals("b2")) {
            double gb = 1e9;
            monthly = stored[1] / gb * prices.storageGbMonth()
                    + downloads[1] / gb * prices.downloadGb()
                    + downloads[0] * prices.classBPerTenThousand() / 10_000;
        }
        return new VolumeStatus.StoreUsage(store.kind(), stored[0], stored[1], downloads[0], downloads[1], calls, monthly);
    }
}
