import Core
import Hummingbird
import Mesh
import Net

/// `GET /v1/admin/mesh` (admin): the members as this node sees them.
struct MeshAdminController: Sendable {
    let mesh: MeshService?
    let policy: any AccessPolicy

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/v1/admin/mesh") { _, context in
            guard let principal = context.principal, !principal.isGuest else {
                throw APIError.unauthorized("admin API: log in as an admin and send Authorization: Bearer <token>")
            }
            try await policy.require(.admin, for: principal)
            guard let mesh else {
                return try Response.json(JSONValue.object(["self": .null, "members": [],
                                                           "mesh": "off: no mesh certificates (run `triforce ca init` or `triforce join`)"]))
            }
            return try Response.json(await mesh.snapshot().json)
        }
    }
}
