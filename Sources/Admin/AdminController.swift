public import Auth
public import Gateway
public import Hummingbird
public import Net
public import Storage
import Core
import FoundationEssentials

/// The admin console (`GET /admin`, static, embedded), its JSON API under `/v1/admin` and the
/// first-run setup endpoint (`/v1/setup`). The page holds no data; every API call needs an
/// authenticated admin, and every change lands in the audit log with its outcome.
/// The API works through the stores' own write APIs; the request path's in-memory snapshots
/// refresh on those writes.
public struct AdminController: Sendable {
    let database: Database
    let auth: AuthServices
    let gateway: Gateway
    let logRing: LogRing
    let stats: RequestStats
    let panels: AdminPanels
    let setup: SetupLink
    /// Node status as `/health` reports it (identity, version, uptime, checks) plus what only
    /// the wiring knows (data dir, RSS), built by the wiring.
    let status: @Sendable () async -> JSONValue
    /// One console-triggered rediscovery at a time.
    let discovery = SingleFlight()

    public init(database: Database, auth: AuthServices, gateway: Gateway, logRing: LogRing, stats: RequestStats,
                panels: AdminPanels, setup: SetupLink, status: @escaping @Sendable () async -> JSONValue) {
        self.database = database
        self.auth = auth
        self.gateway = gateway
        self.logRing = logRing
        self.stats = stats
        self.panels = panels
        self.setup = setup
        self.status = status
    }

    var audit: AuditStore { AuditStore(database: database) }

    public func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/admin") { _, _ in AdminPage.file(AdminPage.html, type: "text/html; charset=utf-8") }
        router.get("/admin/app.js") { _, _ in AdminPage.file(AdminScript.source, type: "text/javascript; charset=utf-8") }
        router.get("/admin/app.css") { _, _ in AdminPage.file(AdminPage.css, type: "text/css; charset=utf-8") }
        registerSetup(on: router)
        let api = router.group("/v1/admin")
        registerOverview(on: api)
        registerProviders(on: api)
        registerRoutes(on: api)
        registerUsers(on: api)
        registerKeys(on: api)
        registerTiers(on: api)
        registerMemory(on: api)
        registerAudit(on: api)
    }
}
