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
    let policy: any AccessPolicy

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/v1/admin/sync/config") { _, context in
            guard let principal = context.principal, !principal.isGuest else {
                throw APIError.unauthorized("admin API: log in as an admin and send Authorization: Bearer <token>")
            }
            try await policy.require(.admin, for: principal)
            return try Response.json(try await ConfigSyncReport.make(source: source, database: database, mesh: mesh))
        }
    }
}

/// The config-from-git report shared by the admin API, the CLI and the `status` tool.
enum ConfigSyncReport {
    /// With the mesh, the rollout of the manifest's release: each member's version and whose
    /// turn it is (`RolloutPlan`).
    static func make(source: ConfigSource?, database: Database, mesh: MeshService? = nil) async throws -> JSONValue {
        guard let source else {
            return ["enabled": false, "detail": "off: set sync.git_url (`triforce config set sync.git_url URL`)"]
        }
        let state = try await ConfigSyncState.load(database)
        var release: JSONValue = ["running": .string(TriForceVersion.current), "target": .null]
        if let manifest = state.release {
            var fields: [String: JSONValue] = ["running": .string(TriForceVersion.current), "target": .string(manifest.version),
                                               "artifact": manifest.artifactForThisMachine != nil ? .string(ReleaseManifest.machine) : .null]
            if let mesh { fields["rollout"] = RolloutPlan(target: manifest.version, snapshot: await mesh.snapshot()).json }
            release = .object(fields)
        }
        return ["enabled": true, "release": release, "url": .string(SecretRedaction.redactURLCredentials(source.url)), "branch": .string(source.branch),
                "signed_only": .bool(source.allowedSigners != nil), "summary": .string(state.summary), "state": state.json]
    }
}
