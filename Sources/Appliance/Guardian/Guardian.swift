import Mesh
import FoundationEssentials
import Net

/// One guardian round: this node and every member from the directory, checked for health,
/// version, replication lag and mesh-certificate expiry. Peers are reached over their HTTP API (`/health`);
/// this node either the same way (the CLI) or from in-process facts (the server).
struct Guardian: Sendable {
    let fetcher: any HTTPFetching
    let members: any MemberDirectory
    /// How this node is checked: over HTTP at a URL, or from what the running process knows.
    let local: Local
    /// `<data-dir>/node.crt`, the mesh certificate whose expiry is watched; nil or absent: no mesh.
    let certificatePath: String?
    /// The mesh CA (`<data-dir>/ca/ca.crt`): https peers are verified against it (beside the
    /// system store), never skipped. Nil or absent: the system store only.
    var certificateAuthority: String? = nil
    var timeout: Duration = .seconds(10)
    /// This node's replication lag when checked in-process (`.url` reads it from `/health`).
    var localSyncLag: @Sendable () async -> SyncLag? = { nil }

    enum Local: Sendable {
        case url(String)
        case inProcess(version: String, nodeID: String)
    }

    func check() async -> GuardianReport {
        let peers = await members.members()
        var nodes = await withTaskGroup(of: (Int, GuardianReport.Node).self) { group in
            if case .url(let url) = local {
                group.addTask { (0, await probe(GuardianTarget(name: "local", url: url))) }
            }
            for (index, peer) in peers.enumerated() {
                group.addTask { (index + 1, await probe(peer)) }
            }
            var found: [(Int, GuardianReport.Node)] = []
            for await entry in group { found.append(entry) }
            return found.sorted { $0.0 < $1.0 }.map(\.1)
        }
        if case .inProcess(let version, let nodeID) = local {
            nodes.insert(GuardianReport.Node(name: "local", url: nil, status: .ok, version: version, nodeID: nodeID,
                                             health: nil, certificate: nil, latencyMilliseconds: nil, problems: []), at: 0)
            nodes[0].attach(await localSyncLag())
        }
        if let certificatePath, let index = nodes.firstIndex(where: { $0.name == "local" }) {
            Self.attach(certificateAt: certificatePath, to: &nodes[index])
        }
        Self.flagVersionSkew(&nodes)
        return GuardianReport(nodes: nodes)
    }

    /// GET `url/health`: reachable, ready, which version and node, the certificate it reports.
    func probe(_ target: GuardianTarget) async -> GuardianReport.Node {
        var node = GuardianReport.Node(name: target.name, url: target.url, status: .ok, version: nil, nodeID: nil,
                                       health: nil, certificate: nil, latencyMilliseconds: nil, problems: [])
        let started = ContinuousClock.now
        var request = OutgoingRequest(url: target.url + "/health",
                                      timeouts: .init(connect: timeout, firstByte: timeout, idle: timeout, total: timeout),
                                      maxResponseBytes: 1 << 20)
        if target.url.hasPrefix("https://"), let certificateAuthority, MeshFiles.exists(certificateAuthority) {
            request.certificateAuthorityFile = certificateAuthority
        }
        let status: Int
        let body: Data
        do {
            let response = try await fetcher.send(request)
            status = response.status
            body = try await response.collect()
        } catch {
            node.status = .fail
            node.problems.append("unreachable: \(error)")
            return node
        }
        let elapsed = ContinuousClock.now - started
        node.latencyMilliseconds = Double(elapsed.components.seconds) * 1_000 + Double(elapsed.components.attoseconds) / 1e15
        guard let report = JSONValue.parse(String(decoding: body, as: UTF8.self)), case .object(let fields) = report else {
            node.status = .fail
            node.problems.append("GET /health answered \(status) without a JSON report: not a triforce node?")
            return node
        }
        node.version = fields["version"]?.stringValue
        node.nodeID = fields["node_id"]?.stringValue
        node.health = fields["status"]?.stringValue
        node.attach(SyncLag(json: fields["sync_lag"]))
        // A peer's number: X.509 ends at 9999, and dates far beyond it are not worth formatting.
        if let expiry = fields["certificate_expires_at"]?.intValue, (0...253_402_300_799).contains(expiry) {
            let certificate = CertificateStatus(expiresAt: Date(timeIntervalSince1970: Double(expiry)))
            node.certificate = certificate
            if certificate.status != .ok {
                node.problems.append("mesh certificate \(certificate.summary): renew it (`triforce ca issue`)")
                node.status = max(node.status, certificate.status)
            }
        }
        if status != 200 || node.health == "fail" {
            node.status = .fail
            node.problems.append("not ready (HTTP \(status)): " + Self.failingChecks(fields["checks"]).joined(separator: "; "))
        } else if node.health == "degraded" {
            node.status = .warn
            node.problems.append("degraded: " + Self.failingChecks(fields["checks"]).joined(separator: "; "))
        }
        return node
    }

    /// "name: detail" of every check in a `/health` report that is not ok.
    static func failingChecks(_ checks: JSONValue?) -> [String] {
        guard case .object(let checks) = checks else { return [] }
        return checks.keys.sorted().compactMap { name in
            guard case .object(let check) = checks[name], let status = check["status"]?.stringValue, status != "ok" else { return nil }
            return "\(name) \(status): \(check["detail"]?.stringValue ?? "")"
        }
    }

    static func attach(certificateAt path: String, to node: inout GuardianReport.Node) {
        guard MeshFiles.exists(path) else { return }
        do {
            let certificate = CertificateStatus(expiresAt: try Certificate(file: path).info.notAfter)
            node.certificate = certificate
            if certificate.status != .ok {
                node.problems.append("mesh certificate \(certificate.summary): renew it (`triforce ca issue`)")
                node.status = max(node.status, certificate.status)
            }
        } catch {
            node.status = .fail
            node.problems.append("mesh certificate \(path) unreadable: \(error)")
        }
    }

    /// A member on another version than this node is a warning: a rollout is under way or stuck.
    static func flagVersionSkew(_ nodes: inout [GuardianReport.Node]) {
        guard let mine = nodes.first(where: { $0.name == "local" })?.version else { return }
        for index in nodes.indices where nodes[index].name != "local" {
            if let theirs = nodes[index].version, theirs != mine {
                nodes[index].problems.append("runs \(theirs), this node runs \(mine)")
                nodes[index].status = max(nodes[index].status, .warn)
            }
        }
    }
}
