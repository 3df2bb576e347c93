import Auth
import Hummingbird
import Net
import Storage
import FoundationEssentials

extension AdminController {
    /// `GET /v1/setup`: whether a first-run link is open. `POST /v1/setup` `{token, email,
    /// password}`: creates the first admin (tier unlimited) with the one-time token printed at
    /// start, and logs them in. Public: the 256-bit single-use token is the credential.
    func registerSetup(on router: some RouterMethods<AppRequestContext>) {
        router.get("/v1/setup") { _, _ in
            let open = setup.isOpen() ? try await !auth.users.hasAdmin() : false
            return try Self.json(["open": open])
        }
        router.post("/v1/setup") { request, context in
            let body = try await request.decodeJSON(as: SetupRequest.self, context: context)
            try Self.checkLengths(email: body.email, password: body.password)
            guard body.password.utf8.count >= 8 else {
                throw APIError.badRequest("password must be at least 8 characters", code: "weak_password")
            }
            guard try await !auth.users.hasAdmin() else {
                setup.close()
                throw APIError(.conflict, type: "invalid_request_error", code: "setup_done",
                               message: "this node already has an admin: log in at /admin")
            }
            guard let claim = setup.claim(body.token) else {
                try await audit.record(actor: context.clientAddress, action: "admin.setup", target: "", outcome: "failed: invalid_setup_token")
                throw APIError.forbidden("the setup link is wrong, used or expired; restart the node to print a new one",
                                         code: "invalid_setup_token")
            }
            do {
                let user = try await auth.users.add(email: body.email, password: body.password, tier: "unlimited", role: .admin)
                try await audit.record(actor: user.email, action: "admin.setup", target: user.email, outcome: "ok")
                let (token, claims) = try auth.issueToken(for: user)
                return try Self.json(SetupResult(user: user, token: token, expiresIn: claims.exp - claims.iat), status: .created)
            } catch {
                setup.giveBack(claim)
                let mapped = Self.apiError(error)
                try await audit.record(actor: context.clientAddress, action: "admin.setup", target: body.email,
                                       outcome: "failed: \((mapped as? APIError)?.code ?? "internal")")
                throw mapped
            }
        }
    }

    struct SetupRequest: Decodable {
        let token: String
        let email: String
        let password: String
    }

    struct SetupResult: Encodable {
        let user: User
        let token: String
        let expiresIn: Int64
    }
}
