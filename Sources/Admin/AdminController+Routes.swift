import Core
import Gateway
import Hummingbird
import Net
import FoundationEssentials

extension AdminController {
    /// Task routes (model "auto"): view all, replace one with validation, reset to default.
    func registerRoutes(on api: some RouterMethods<AppRequestContext>) {
        api.get("/routes") { _, context in
            try await requireAdmin(context)
            var routes: [RouteView] = []
            for task in TaskKind.allCases { routes.append(try await routeView(task)) }
            return try Self.json(["routes": routes])
        }
        api.put("/routes/:task") { request, context in
            let name = context.parameters.get("task") ?? ""
            return try await audited(context, "admin.route.set", target: name) { note in
                let task = try Self.task(name)
                let body = try await request.decodeJSON(as: RouteEdit.self, context: context)
                let models = try Self.validated(body.models)
                note.detail = models.joined(separator: " ")
                try await gateway.routes.set(task, models: models)
                return try Self.json(try await routeView(task))
            }
        }
        api.delete("/routes/:task") { _, context in
            let name = context.parameters.get("task") ?? ""
            return try await audited(context, "admin.route.reset", target: name) { _ in
                let task = try Self.task(name)
                try await gateway.routes.reset(task)
                return try Self.json(try await routeView(task))
            }
        }
    }

    struct RouteEdit: Decodable {
        let models: [String]
    }

    struct RouteView: Encodable {
        let task: String
        let models: [String]
        /// false: the built-in default route.
        let stored: Bool
        /// Entries the registry does not know (yet): kept, since a provider may come later.
        let unknownModels: [String]
    }

    static let maxRouteModels = 32
    static let maxModelIDBytes = 256

    static func task(_ name: String) throws -> TaskKind {
        guard let task = TaskKind(rawValue: name) else {
            throw APIError.notFound("unknown task '\(name)'; tasks are " + TaskKind.allCases.map(\.rawValue).joined(separator: ", "),
                                    code: "unknown_task")
        }
        return task
    }

    /// 1-32 distinct model ids, each 1-256 printable bytes without spaces; "auto" would loop.
    static func validated(_ models: [String]) throws -> [String] {
        guard (1...maxRouteModels).contains(models.count) else {
            throw APIError.badRequest("a route names 1 to \(maxRouteModels) models, in order", code: "invalid_route")
        }
        var seen = Set<String>()
        for model in models {
            guard (1...maxModelIDBytes).contains(model.utf8.count), model.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7f }) else {
                throw APIError.badRequest("model ids are 1-\(maxModelIDBytes) bytes without spaces or control characters", code: "invalid_route")
            }
            guard model != "auto" else { throw APIError.badRequest("a route cannot name \"auto\" (it would route to itself)", code: "invalid_route") }
            guard seen.insert(model).inserted else { throw APIError.badRequest("\(model) appears twice in the route", code: "invalid_route") }
        }
        return models
    }

    func routeView(_ task: TaskKind) async throws -> RouteView {
        let route = try await gateway.routes.route(for: task)
        let registry = try await gateway.models.snapshot()
        let unknown = route.models.filter { registry.record(id: $0) == nil && registry.records(upstreamID: $0).isEmpty }
        return RouteView(task: task.rawValue, models: route.models, stored: route.stored, unknownModels: unknown)
    }
}
