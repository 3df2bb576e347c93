import Hummingbird
import HummingbirdCore
import Admin
import Core
import FoundationEssentials
import Gateway
import MCP
import Net
import Auth
import Storage
import Logging
import Mesh
import Sync
import NIOCore
import ServiceLifecycle
import UnixSignals
import Telemetry
import Glibc

/// Builds the HTTP application from a node and runs it with the background services.
/// Services start in registration order (storage first) and stop in reverse, so the
/// server drains before the database closes.
struct ApplianceApp {
    let node: Node
    let gateway: Gateway
    /// One libcurl client (one event thread) for providers, crawl, search and Ollama.
    let curl: CurlHTTPClient
    var fetcher: any HTTPFetching { curl }
    /// Watches this node's certificate, the configured peers and the mesh members; its last
    /// report is in `/health`.
    let guardian: GuardianService
    /// The mesh, when the data dir holds mesh certificates.
    let mesh: MeshWiring?
    /// Client sessions (`node/register` on `/v1/mesh`, or the mesh port with a client
    /// certificate) and the tools they offer.
    let meshTools: MeshToolWiring
    var clientSessions: ClientSessions { meshTools.sessions }
    /// Config from git, when `sync.git_url` is set.
    let configSync: ConfigSync?
    /// Rolling updates to release.json's target, on a meshed node with config from git.
    let rollout: RolloutService?
    /// A restart into another release asked for by the rollout (exec after the drain).
    let restart: ProcessRestart
    /// Set once the API serves (the rollout's health gate reads it).
    let serving: ListenerState
    /// Everything `/metrics` shows.
    let metrics: NodeMetrics
    /// Requests per minute and latency for the console's overview (fed by middleware).
    let stats = RequestStats()
    /// The first-run link, issued at start when the node has no admin.
    let setupLink = SetupLink()

    /// Opens outgoing HTTP and builds the gateway, gated by the node's tier policy, and the mesh.
    static func make(node: Node, peers: [String] = []) async throws -> ApplianceApp {
        _ = try node.configuration.metricsToken()  // a bad scrape token stops `serve` before anything starts
        let fetcher = try CurlHTTPClient()
        let metrics = NodeMetrics()
        let gateway = try await GatewayWiring.makeGateway(node: node, fetcher: fetcher, policy: node.auth.policy, metrics: metrics.upstream)
        let configuration = node.configuration
        let mesh = try await MeshWiring.make(node: node, extraPeers: peers)
        let configured = ConfiguredMembers(setting: configuration.string(.guardianPeers))
        let members = MeshMembers(configured: configured) { [mesh] in await mesh?.service.snapshot().json }
        var guardian = Guardian(fetcher: fetcher, members: members,
                                local: .inProcess(version: TriForceVersion.current, nodeID: node.identity.nodeID),
                                certificatePath: MeshFiles(dataDirectory: configuration.dataDirectory).nodeCertificate,
                                certificateAuthority: MeshFiles(dataDirectory: configuration.dataDirectory).caCertificate)
        guardian.localSyncLag = { [mesh] in await mesh?.syncLag() }
        let service = GuardianService(guardian: guardian, interval: .seconds(try configuration.guardianIntervalSeconds()),
                                      logger: node.logger)
        let releases = configuration.releaseDirectory()
        if let mesh {
            await ReleaseTransfer.serve(on: mesh.service, directory: releases)
        }
        let configSync = try configuration.configSource().map { source in
            ConfigSync(source: source, database: node.database, origin: node.origin, environment: configuration.environment,
                       logger: node.logger)
        }
        let restart = ProcessRestart()
        let serving = ListenerState()
        var rollout: RolloutService?
        if let mesh, configSync != nil {
            rollout = RolloutService(mesh: mesh.service, sync: mesh.sync, database: node.database,
                                     download: ReleaseDownload(fetcher: fetcher, directory: releases),
                                     records: RolloutRecords(dataDirectory: configuration.dataDirectory),
                                     settings: try configuration.rolloutSettings(), serving: serving, restart: restart,
                                     logger: node.logger, running: TriForceVersion.current, selfID: node.identity.nodeID)
        }
        let tools = await MeshToolWiring.make(mesh: mesh?.service, logger: node.logger)
        let app = ApplianceApp(node: node, gateway: gateway, curl: fetcher, guardian: service, mesh: mesh, meshTools: tools,
                               configSync: configSync, rollout: rollout, restart: restart, serving: serving, metrics: metrics)
        app.addMetricsCollectors()
        return app
    }

    /// Model discovery at start and then on its interval.
    func discoveryService() -> DiscoveryService {
        DiscoveryService(gateway: gateway, interval: GatewayWiring.discoveryInterval(node.configuration), logger: node.logger)
    }

    func makeRouter() throws -> Router<AppRequestContext> { try makeRoutes().router }

    /// The router and the `/v1/mesh` WebSocket endpoint (which shares the MCP tool registry).
    func makeRoutes() throws -> (router: Router<AppRequestContext>, meshClients: MeshClientEndpoint) {
        let router = Router(context: AppRequestContext.self)
        let methods = MethodTable()
        // Request ids, the body limit, errors as JSON, and every request's final status to the
        // metrics and the console's request stats.
        let http = metrics.http, stats = self.stats
        router.add(middleware: ErrorMiddleware(methods: methods, maxBodyBytes: try node.configuration.maxBodyBytes()) { route, status, elapsed in
            http.record(route: route, status: status, elapsed: elapsed)
            stats.record(status: status, latency: elapsed, unixSeconds: Int64(Date().timeIntervalSince1970))
        })
        // Central enforcement: every route registered below is authenticated, checked
        // against its tier and, on chat/MCP/admin paths, rate limited (AccessRule.defaults).
        router.add(middleware: AuthMiddleware(services: node.auth))
        let routes = RecordingRouter(router: router, table: methods)
        var checks: [HealthCheck] = [.databaseWritable(node.database), .migrationsCurrent(node.database), .providers(gateway),
                                     .certificate(at: MeshFiles(dataDirectory: node.configuration.dataDirectory).nodeCertificate),
                                     .guardian(guardian)]
        if let mesh { checks += [.mesh(mesh.service), .sync(mesh.sync)] }
        if configSync != nil { checks.append(.configSync(node.database)) }
        let health = HealthController(node: node, checks: checks, syncLag: { [mesh] in await mesh?.syncLag() },
                                      guardian: { [guardian] in guardian.lastReport })
        health.register(on: routes)
        let mcp = try makeMCPController(fetcher: fetcher, chat: GatewayChatBackend(gateway: gateway), checks: checks)
        mcp.register(on: routes)
        let meshClients = MeshClientEndpoint(auth: node.auth, sessions: clientSessions,
                                             environment: MeshClientEnvironment.make(auth: node.auth, registry: mcp.server.registry,
                                                                                     stats: mcp.server.meshStats))
        meshClients.register(on: routes)
        // CA-certified clients register on the mesh port too: the CA's holder issued their
        // certificates, so they act as operators (lowered by the tier they ask for).
        mesh?.service.setClientGateway(ClientGateway(sessions: clientSessions, environment: meshClients.environment) { name in
            Principal(subject: "mesh-client:" + (name ?? "unnamed"), tier: "unlimited", method: .mesh)
        })
        ModelsController(gateway: gateway).register(on: routes)
        ChatCompletionsController(gateway: gateway).register(on: routes)
        MessagesController(gateway: gateway).register(on: routes)
        SimpleChatController(gateway: gateway).register(on: routes)
        ClientController(services: node.auth).register(on: routes)
        MetricsController(registry: metrics.registry, auth: node.auth,
                          metricsToken: try node.configuration.metricsToken()).register(on: routes)
        GuardianController(service: guardian, policy: node.auth.policy).register(on: routes)
        MeshAdminController(mesh: mesh?.service, policy: node.auth.policy).register(on: routes)
        SyncAdminController(sync: mesh?.sync, database: node.database, policy: node.auth.policy).register(on: routes)
        ConfigSyncController(database: node.database, source: configSync?.source, mesh: mesh?.service, rollout: rollout,
                             records: RolloutRecords(dataDirectory: node.configuration.dataDirectory),
                             policy: node.auth.policy).register(on: routes)
        AdminController(database: node.database, auth: node.auth, gateway: gateway, logRing: node.logRing, stats: stats,
                        panels: adminPanels(), setup: setupLink) { [node] in
            let (report, _) = await health.cache.value { await health.runChecks() }
            var status = JSONValue.parse(String(decoding: (try? JSONEncoder().encode(report)) ?? Data(), as: UTF8.self)) ?? [:]
            if case .object(var fields) = status {
                fields["data_dir"] = .string(node.configuration.dataDirectory)
                if let rss = ResidentMemory.bytes() { fields["rss_bytes"] = .int(rss) }
                status = .object(fields)
            }
            return status
        }.register(on: routes)
        OpenAPIController().register(on: routes)
        return (router, meshClients)
    }

    func makeServer(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> APIServer {
        let configuration = node.configuration
        let logger = node.logger
        // `limited` adds the whole-request deadline and ClientHangupHandler: a client that goes
        // away mid-request closes the connection, so streams abort their upstream at once.
        let http1 = HTTP1Channel.Configuration.limited(idleTimeout: .seconds(Int64(try configuration.idleTimeoutSeconds())),
                                                       requestDeadline: .seconds(Int64(try configuration.requestTimeoutSeconds())))
        let limiter = ConnectionLimiter(maximum: try configuration.maxConnections())
        let routes = try makeRoutes()
        let files = try configuration.tlsFiles()
        let tls = try files.map { try ServerTLS.configuration(certificateFile: $0.certificate, keyFile: $0.key) }
        let scheme = tls == nil ? "http" : "https"
        let server: HTTPServerBuilder = try .http1(configuration: http1, limiter: limiter, tls: tls, maxWebSocketFrame: ClientSocket.maxMessageBytes,
                                                   upgrade: routes.meshClients.shouldUpgrade)
        return try APIServer(
            responder: RequestTaskResponder(routes.router.buildResponder()), builder: server,
            address: .hostname(configuration.host, port: try configuration.port()), logger: logger,
            onServerRunning: { [mesh] channel in
                let port = channel.localAddress?.port ?? 0
                logger.notice("listening", metadata: ["url": "\(scheme)://\(configuration.host):\(port)", "port": "\(port)"])
                if let mesh {
                    await mesh.service.apiListening(address: MeshWiring.apiURL(scheme: scheme, host: configuration.host,
                                                                                port: port, advertisedHost: mesh.service.configuration.advertisedHost))
                }
                await announceSetupLink(scheme: scheme, port: port)
                await onRunning(port)
            })
    }

    /// The console's mesh, replication and guardian panels: what exists on this node today.
    /// Replication has no data source yet: its panel says "not configured".
    func adminPanels() -> AdminPanels {
        let guardian = self.guardian
        var panels = AdminPanels(guardian: { [guardian] in
            JSONValue.parse(String(decoding: try JSONEncoder().encode(await guardian.report()), as: UTF8.self)) ?? .null
        })
        if let service = mesh?.service {
            panels.mesh = { await service.snapshot().json }
        }
        if let sync = mesh?.sync {
            panels.replication = { try await sync.status() }
        }
        return panels
    }

    /// A node without an admin prints, once per start, a one-time link to create the first
    /// one in the console (stdout, never the log: the token is a credential). The token is
    /// in the URL fragment, which browsers do not send to the server or proxies.
    func announceSetupLink(scheme: String, port: Int) async {
        do {
            guard try await !node.auth.users.hasAdmin() else { return }
            let token = try setupLink.issue()
            let host = ["0.0.0.0", "::", ""].contains(node.configuration.host) ? "127.0.0.1" : node.configuration.host
            let shown = host.contains(":") ? "[\(host)]" : host
            print("""
                No admin yet. Create the first one within an hour (the link works once):
                  \(scheme)://\(shown):\(port)/admin#setup=\(token)
                """)
            fflush(nil)  // every stream: stdout may be a pipe (systemd, tests)
            node.logger.notice("first-run setup link printed on stdout (valid 1 h, single use)")
        } catch {
            node.logger.error("could not issue the first-run setup link", metadata: ["error": "\(error)"])
        }
    }

    /// The services in start order: storage, the systemd watchdog (when systemd asked for one),
    /// then (with mesh certificates) the revocation refresher, the mesh listener and the
    /// membership service, then the API server, then the systemd notifier. Shutdown runs in
    /// reverse: systemd hears STOPPING=1 first, the API drains, the membership says "left"
    /// over links the listener still carries, then the listener stops and the database closes.
    func makeServices(onRunning: @escaping @Sendable (Int) async -> Void = { _ in },
                      onMeshRunning: @escaping @Sendable (Int) async -> Void = { _ in },
                      environment: [String: String] = ProcessInfo.processInfo.environment) async throws
        -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let notifier = SystemdNotifier(environment: environment)
        let systemd = SystemdNotifyService(notifier: notifier, restart: restart, logger: node.logger)
        var liveness: [LivenessCheck] = [.eventLoops(), .databaseWriter(node.database), .curlLoop(curl)]
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: DatabaseService(database: node.database, logger: node.logger)),
            .init(service: discoveryService()),
            .init(service: guardian),
            .init(service: HousekeepingService(auth: node.auth, logger: node.logger)),
        ]
        if let configSync {
            services.append(.init(service: ConfigSyncService(sync: configSync,
                                                             interval: .seconds(try node.configuration.syncGitIntervalSeconds()))))
        }
        var meshServices: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let mesh {
            let meshState = ListenerState()
            liveness.append(.listener("mesh listener", meshState))
            meshServices.append(.init(service: mesh.refresher))
            meshServices.append(.init(service: try mesh.listener.makeApplication(logger: node.logger) { port in
                meshState.running(on: port)
                await onMeshRunning(port)
            }))
            meshServices.append(.init(service: mesh.service))
            // After the membership service: on shutdown replication stops first.
            meshServices.append(.init(service: mesh.sync))
            if let federation = meshTools.federation { meshServices.append(.init(service: federation)) }
            meshServices.append(.init(service: ChatFailoverService(gateway: gateway, service: mesh.service, logger: node.logger)))
            if let renewal = mesh.renewal { meshServices.append(.init(service: renewal)) }
            meshServices.append(.init(service: MeshHealthAnnouncer(gateway: gateway, mesh: mesh.service, interval: .seconds(5))))
            if let rollout { meshServices.append(.init(service: rollout)) }
        }
        if let interval = WatchdogService.interval(environment: environment) {
            services.append(.init(service: WatchdogService(notifier: notifier, interval: interval,
                                                           runner: LivenessRunner(checks: liveness), logger: node.logger)))
            node.logger.info("systemd watchdog on", metadata: ["ping_interval": "\(interval)"])
        }
        services += meshServices
        let scheme = try node.configuration.tlsFiles() == nil ? "http" : "https"
        let host = node.configuration.host
        let serving = self.serving
        services.append(.init(service: HeapTrimService(logger: node.logger)))
        services.append(.init(service: try makeServer { port in
            serving.running(on: port)
            systemd.ready(url: "\(scheme)://\(host):\(port)")
            await onRunning(port)
        }))
        services.append(.init(service: systemd))
        return services
    }

    /// Runs until SIGTERM/SIGINT (or a restart the rollout asks for: then `restart.pending`
    /// names the binary to exec), then drains in-flight requests (bounded) and closes storage.
    func run() async throws {
        let grace = try node.configuration.shutdownGraceSeconds()
        var configuration = ServiceGroupConfiguration(
            services: try await makeServices(),
            gracefulShutdownSignals: [.sigterm, .sigint],
            cancellationSignals: [],
            logger: node.logger)
        // Past the grace period in-flight requests are cancelled so shutdown is bounded.
        configuration.maximumGracefulShutdownDuration = .seconds(grace)
        let group = ServiceGroup(configuration: configuration)
        restart.attach(group)
        try await group.run()
        node.logger.notice(restart.pending == nil ? "stopped cleanly" : "stopped cleanly for a restart")
    }
}
