import Core
import Hummingbird
import Net
import Storage
import Mesh

/// `GET /v1/admin/sync/config` (admin): config from git on this node: the source, the
/// applied commit, the managed objects and the last problem, the same `triforce sync config`
/// prints.
struct ConfigSyncController: Sendable {
    let database: Database
    let source: ConfigSource?
    let mesh: MeshService?
    let rollout: RolloutService?
    let records: RolloutRecords
    let policy: any AccessPolicy

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/v1/admin/sync/config") { _, context in
            guard let principal = context.principal, !principal.isGuest else {
                throw APIError.unauthorized("admin API: log in as an admin and send Authorization: Bearer <token>")
            }
            try await policy.require(.admin, for: principal)
            return try Response.json(try await ConfigSyncReport.make(source: source, database: database, mesh: mesh,
                                                                     rollout: rollout, records: records))
        }
    }
}

/// The config-from-git report shared by the admin API, the CLI and the `status` tool.
enum ConfigSyncReport {
    /// With the mesh, the rollout of the manifest's release: each member's version and whose
    /// turn it is (`RolloutPlan`); with the data dir's records, an unfinished trial and the
    /// halt (`deploy/failed`); with the running rollout service, its last decision.
    static func make(source: ConfigSource?, database: Database, mesh: MeshService? = nil, rollout: RolloutService? = nil,
                     records: RolloutRecords? = nil) async throws -> JSONValue {
        guard let source else {
            return ["enabled": false, "detail": "off: set sync.git_url (`triforce config set sync.git_url URL`)"]
        }
        let state = try await ConfigSyncState.load(database)
        var release: [String: JSONValue] = ["running": .string(TriForceVersion.current), "target": .null]
        if let manifest = state.release {
            release["target"] = .string(manifest.version)
            release["artifact"] = manifest.artifactForThisMachine != nil ? .string(ReleaseManifest.machine) : .null
            if let mesh { release["rollout"] = RolloutPlan(target: manifest.version, snapshot: await mesh.snapshot()).json }
        }
        if let records {
            release["trial"] = records.trial().map { trial in
                ["version": .string(trial.version), "previous": .string(trial.previous),
                 "started_at_ms": .int(trial.startedAtMilliseconds), "members": .array(trial.members.map(JSONValue.string))]
            } ?? .null
            release["failed"] = records.halt()?.json ?? .null
        }
        if let rollout { release["service"] = await rollout.status() }
        return ["enabled": true, "release": .object(release), "url": .string(SecretRedaction.redactURLCredentials(source.url)), "branch": .string(source.branch),
                "signed_only": .bool(source.allowedSigners != nil), "summary": .string(state.summary), "state": state.json]
    }
}
