import Auth
import Core
import Hummingbird
import Net
import FoundationEssentials

extension AdminController {
    /// Users: list, add, change tier/role/disabled, reset password, delete. An admin cannot
    /// disable, demote or delete their own account (they would lock themselves out).
    func registerUsers(on api: some RouterMethods<AppRequestContext>) {
        api.get("/users") { _, context in
            try await requireAdmin(context)
            return try Self.json(["users": try await auth.users.list()])
        }
        api.post("/users") { request, context in
            try await audited(context, "admin.user.add") { note in
                let body = try await request.decodeJSON(as: NewUser.self, context: context)
                note.target = body.email
                try Self.checkLengths(email: body.email, password: body.password)
                let role = try Self.role(body.role ?? "user")
                note.detail = "tier \(body.tier ?? "guest"), role \(role.rawValue)"
                let generated = body.password == nil ? try PasswordHasher.generatePassword() : nil
                let user = try await auth.users.add(email: body.email, password: body.password ?? generated ?? "",
                                                    tier: body.tier ?? "guest", role: role)
                return try Self.json(CreatedUser(user: user, password: generated), status: .created)
            }
        }
        api.patch("/users/:id") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await audited(context, "admin.user.update", target: id) { note in
                let body = try await request.decodeJSON(as: UserChange.self, context: context)
                let user = try await user(id)
                note.target = user.email
                note.detail = [body.tier.map { "tier \($0)" }, body.role.map { "role \($0)" },
                               body.disabled.map { "disabled \($0)" }].compactMap { $0 }.joined(separator: ", ")
                guard body.tier != nil || body.role != nil || body.disabled != nil else {
                    throw APIError.badRequest("send at least one of tier, role, disabled", code: "invalid_request")
                }
                let role = try body.role.map(Self.role)
                if user.id == context.principal?.subject, body.disabled == true || role == .user {
                    throw APIError(.conflict, type: "invalid_request_error", code: "self_lockout",
                                   message: "you cannot disable or demote your own account; ask another admin")
                }
                if let tier = body.tier { try await auth.users.setTier(email: user.email, tier: tier) }
                if let role { try await auth.users.setRole(email: user.email, role) }
                if let disabled = body.disabled { try await auth.users.setDisabled(email: user.email, disabled) }
                return try Self.json(try await self.user(id))
            }
        }
        api.post("/users/:id/password") { request, context in
            let id = context.parameters.get("id") ?? ""
            return try await audited(context, "admin.user.password", target: id) { note in
                let body = try await request.decodeJSON(as: PasswordReset.self, context: context)
                let user = try await user(id)
                note.target = user.email
                try Self.checkLengths(email: user.email, password: body.password)
                let generated = body.password == nil ? try PasswordHasher.generatePassword() : nil
                try await auth.users.setPassword(email: user.email, password: body.password ?? generated ?? "")
                return try Self.json(PasswordResult(password: generated))
            }
        }
        api.delete("/users/:id") { _, context in
            let id = context.parameters.get("id") ?? ""
            return try await audited(context, "admin.user.delete", target: id) { note in
                let user = try await user(id)
                note.target = user.email
                guard user.id != context.principal?.subject else {
                    throw APIError(.conflict, type: "invalid_request_error", code: "self_lockout",
                                   message: "you cannot delete your own account; ask another admin")
                }
                try await auth.users.delete(email: user.email)
                return try Self.json(["deleted": user.id])
            }
        }
    }

    struct NewUser: Decodable {
        let email: String
        /// nil: generate one and return it once.
        let password: String?
        let tier: String?
        let role: String?
    }

    struct CreatedUser: Encodable {
        let user: User
        let password: String?
    }

    struct UserChange: Decodable {
        let tier: String?
        let role: String?
        let disabled: Bool?
    }

    struct PasswordReset: Decodable {
        let password: String?
    }

    struct PasswordResult: Encodable {
        /// Only when the server generated it: shown once.
        let password: String?
    }

    static let maxEmailBytes = 320
    static let maxPasswordBytes = 1_024

    static func checkLengths(email: String, password: String?) throws {
        guard email.utf8.count <= maxEmailBytes, (password?.utf8.count ?? 0) <= maxPasswordBytes else {
            throw APIError.badRequest("email is limited to \(maxEmailBytes) bytes and password to \(maxPasswordBytes)", code: "invalid_user")
        }
    }

    static func role(_ name: String) throws -> User.Role {
        guard let role = User.Role(rawValue: name) else {
            throw APIError.badRequest("role must be one of: " + User.Role.allCases.map(\.rawValue).joined(separator: ", "), code: "invalid_role")
        }
        return role
    }

    func user(_ id: String) async throws -> User {
        guard id.utf8.count <= 64, let user = try await auth.users.find(id: id) else {
            throw APIError.notFound("no user with id \(id.prefix(64)); GET /v1/admin/users lists them", code: "user_not_found")
        }
        return user
    }
}
