@testable import Appliance
import Mesh
import Net
import Testing

/// One node at a time: the lowest id not on the target, only while every member is alive.
@Suite("rollout plan")
struct RolloutPlanTests {
    typealias M = RolloutPlan.Member

    @Test func lowestIdNotOnTheTargetGoesNext() {
        let members = [M(id: "c", state: .alive, version: "1.0"), M(id: "a", state: .alive, version: "2.0"),
                       M(id: "b", state: .alive, version: "1.0")]
        #expect(RolloutPlan(target: "2.0", members: members).step == .next("b"))
        #expect(RolloutPlan(target: "2.0", members: members.map { M(id: $0.id, state: .alive, version: "2.0") }).step == .done)
        // A new target starts again from the lowest id.
        #expect(RolloutPlan(target: "3.0", members: members).step == .next("a"))
    }

    @Test func anyMemberNotAliveHoldsTheRollout() {
        for state in [MemberState.suspect, .dead, .left] {
            let members = [M(id: "a", state: .alive, version: "1.0"), M(id: "b", state: state, version: "2.0")]
            guard case .waiting(let reason) = RolloutPlan(target: "2.0", members: members).step else {
                Issue.record("\(state) did not hold the rollout")
                continue
            }
            #expect(reason.contains("b") && reason.contains(state.rawValue))
        }
        // Everyone on the target: done, whatever their state.
        #expect(RolloutPlan(target: "2.0", members: [M(id: "a", state: .suspect, version: "2.0")]).step == .done)
    }

    @Test func reportNamesEveryMemberAndTheNextOne() {
        let plan = RolloutPlan(target: "2.0", members: [M(id: "b", state: .alive, version: "1.0"), M(id: "a", state: .alive, version: "2.0")])
        let json = plan.json
        #expect(json["step"] == "next" && json["next"] == "b")
        #expect(json["members"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == ["a", "b"])
        #expect(json["members"]?[0]?["on_target"] == true && json["members"]?[1]?["on_target"] == false)
    }
}
