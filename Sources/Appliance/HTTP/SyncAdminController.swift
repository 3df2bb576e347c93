import Core
import Hummingbird
import Net
import Storage
import Sync

/// `GET /v1/admin/sync` (admin): replication as this node sees it, per peer (vector, lag in
/// rows and seconds, last batch, refusals), and the config commit applied.
struct SyncAdminController: Sendable {
    let sync: SyncService?
    let database: Database
    let policy: any AccessPolicy

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/v1/admin/sync") { _, context in
            guard let principal = context.principal, !principal.isGuest else {
                throw APIError.unauthorized("admin API: log in as an admin and send Authorization: Bearer <token>")
            }
            try await policy.require(.admin, for: principal)
            guard let sync else {
                return try Response.json(JSONValue.object(["self": .null, "peers": [], "config_commit": .null,
                                                           "sync": "off: no mesh certificates (run `triforce ca init` or `triforce join`)"]))
            }
            do {
                // The commit config-from-git applied on this node (null without it).
                await sync.setConfigCommit((try? await ConfigSyncState.load(database))?.appliedCommit)
                return try Response.json(try await sync.status())
            } catch {
                throw APIError.unavailable("replication status cannot be read now: \(error)")
            }
        }
    }
}
