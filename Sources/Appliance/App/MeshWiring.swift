import FoundationEssentials
import Logging
import Mesh
import Net
import ServiceLifecycle
import Storage
import Sync

/// The mesh of one node, when its data dir holds the mesh certificates (`ca init` or
/// `join` ran): the membership service, the listener, the revocation refresher and, on a
/// node holding the CA key, the join authority. The appliance only wires these.
struct MeshWiring: Sendable {
    let service: MeshService
    let listener: MeshListener
    let refresher: RevocationRefreshService
    /// On a node without the CA key: renews its certificate at two thirds of its lifetime.
    let renewal: CertificateRenewalService?
    /// Replication of the replicated tables over the mesh links (issue 13).
    let sync: SyncService

    static func make(node: Node, extraPeers: [String]) async throws -> MeshWiring? {
        let configuration = node.configuration
        let files = MeshFiles(dataDirectory: configuration.dataDirectory)
        guard files.listenerReady else {
            node.logger.info("mesh off: no mesh certificates in the data dir (run `triforce ca init` or `triforce join`)")
            return nil
        }
        let listenHost = configuration.meshHost
        let wildcard = ["0.0.0.0", "::", "[::]", ""]
        let advertised = !wildcard.contains(listenHost) ? listenHost : !wildcard.contains(configuration.host) ? configuration.host : "127.0.0.1"
        var meshConfiguration = MeshConfiguration(
            nodeID: node.identity.nodeID, listenHost: listenHost, listenPort: try configuration.meshPort(),
            advertisedHost: advertised,
            apiAddress: apiURL(scheme: try configuration.tlsFiles() == nil ? "http" : "https", host: configuration.host,
                               port: try configuration.port(), advertisedHost: advertised),
            version: TriForceVersion.current, startedAt: Int64(Date().timeIntervalSince1970),
            peers: try configuration.meshPeers(extra: extraPeers), timing: try configuration.membershipTiming(), files: files,
            idleTimeout: .seconds(try configuration.idleTimeoutSeconds()))
        meshConfiguration.authorities = configuration.meshAuthorities
        let list = RevocationList()
        // Rebuilt when the files change: a renewed certificate is presented by the next dial.
        let clientTLS: TLSContextSource
        do {
            clientTLS = try TLSContextSource(configuration: .client(
                trustRoots: .file(files.caCertificate), certificateChain: .file(files.nodeCertificate),
                privateKey: .file(files.nodeKey), isRevoked: { list.contains($0.serialHex) }))
        } catch {
            throw ConfigurationError("cannot load the mesh certificates in \(files.dataDirectory): \(error)")
        }
        var client = MeshClient(contexts: clientTLS)
        client.connectTimeout = .seconds(3)
        let service = MeshService(configuration: meshConfiguration, client: client,
                                  logger: Logger(label: "triforce.mesh"))
        let store = MeshCertificateStore(database: node.database, origin: node.origin)
        let refresher = RevocationRefreshService(store: store, list: list, interval: .seconds(1), logger: node.logger) { serials in
            await service.revoked(serials)
        }
        await service.setRevocationSink { serials in
            for serial in serials { _ = try? await store.revoke(serial, reason: "from a mesh authority") }
        }
        await refresher.refresh()
        if files.canSign {
            let authority = try CertificateAuthority(certificateFile: files.caCertificate, keyFile: files.caKey)
            let join = JoinAuthority(
                database: node.database, authority: authority, hubNodeID: node.identity.nodeID, validityDays: 30,
                members: { await service.snapshot().json["members"] ?? [] },
                revocations: { (try? await store.revokedSerials()).map { $0.sorted() } ?? [] }, origin: node.origin)
            await service.setJoinHandler { (method: String, params: JSONValue, caller: MeshCaller) async throws(MeshError) -> JSONValue in
                try await join.handle(method: method, params: params, caller: caller)
            }
        }
        let renewal = files.canSign ? nil : CertificateRenewalService(
            renewal: CertificateRenewal(files: files, nodeID: node.identity.nodeID), authorities: meshConfiguration.peers,
            logger: node.logger)
        let replication = try await ReplicationStore.open(database: node.database, nodeID: node.identity.nodeID, clock: node.clock,
                                                          maxClockSkewMilliseconds: try configuration.maxClockSkewMilliseconds())
        var syncConfiguration = SyncConfiguration(directory: configuration.dataDirectory + "/sync")
        syncConfiguration.antiEntropyInterval = try configuration.antiEntropyInterval()
        let sync = SyncService(store: replication, mesh: service, configuration: syncConfiguration,
                               logger: Logger(label: "triforce.sync"))
        // Before the listener starts, so a peer's first sync call finds its handler.
        await sync.attach()
        return MeshWiring(service: service, listener: MeshListener(service: service, revocations: list), refresher: refresher,
                          renewal: renewal, sync: sync)
    }

    /// The API base URL members advertise (the guardian of every other member probes it): a
    /// wildcard API host is replaced by the host peers dial for the mesh.
    static func apiURL(scheme: String, host: String, port: Int, advertisedHost: String) -> String {
        let reachable = ["0.0.0.0", "::", "[::]", ""].contains(host) ? advertisedHost : host
        return "\(scheme)://\(PeerAddress(host: reachable, port: port).description)"
    }
}

extension MeshWiring {
    /// This node's replication lag behind its peers (nil when the state cannot be read).
    func syncLag() async -> SyncLag? {
        guard let status = try? await sync.status() else { return nil }
        return SyncLag(status: status)
    }
}
