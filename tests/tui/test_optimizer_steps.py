"""The optimisers' update steps in the app: walking onto Adam's state and reading it as a person would."""
from __future__ import annotations

from chainstep.core.scenario import load_scenario
from chainstep.tui.app import ChainstepApp
from chainstep.tui.panes.step_view import step_lines

SIZE = (120, 40)


def screen_text(app: ChainstepApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_walking_into_adams_update_shows_its_state() -> None:
    scenario = load_scenario("three-optimisers")
    trace = scenario.parts[2].trace
    start = trace.index_of("update.W1.m")
    app = ChainstepApp(scenario, part=2, step=start - 1)
    async with app.run_test(size=SIZE) as pilot:
        for want in ("update.W1.m", "update.W1.v", "update.W1.m_hat", "update.W1.v_hat", "update.W1.step"):
            await pilot.press("space")
            await pilot.pause()
            text = screen_text(app)
            assert want in text.splitlines()[0], want
        # Adam's step is a quotient of m̂ and v̂: listed as what it is made from, never as a product.
        assert "Made from" in text and "Chain rule, factor by factor" not in text
        assert "Δ(W₁) = η·m̂(W₁) / (√v̂(W₁) + ε)" in text
        await pilot.press("space")
        await pilot.pause()
        assert "update.W1" in screen_text(app).splitlines()[0]


def test_gradient_steps_keep_their_chain_rule_product() -> None:
    trace = load_scenario("three-optimisers").parts[1].trace
    lines = ["".join(t for t, _, _ in line) for line in step_lines(trace.step(0, "backward.1.dW"))]
    assert any(l.startswith("Chain rule, factor by factor") for l in lines)
    lines = ["".join(t for t, _, _ in line) for line in step_lines(trace.step(1, "update.W1.v"))]
    assert any(l.startswith("Made from") for l in lines) and not any(l.startswith("= ") for l in lines)
