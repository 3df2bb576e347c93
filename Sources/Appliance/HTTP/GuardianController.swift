import Core
import Hummingbird
import Net

/// `GET /v1/admin/guardian`: the guardian's last report (admin role), the same the CLI prints.
struct GuardianController: Sendable {
    let service: GuardianService
    let policy: any AccessPolicy

    func register(on router: some RouterMethods<AppRequestContext>) {
        router.get("/v1/admin/guardian") { _, context in
            guard let principal = context.principal, !principal.isGuest else {
                throw APIError.unauthorized("admin API: log in as an admin and send Authorization: Bearer <token>")
            }
            try await policy.require(.admin, for: principal)
            return try Response.json(await service.report())
        }
    }
}
