"""llm.fallbacks: when the main model fails, litellm tries the next one (over HTTP, test server)."""

from llm_server import Reply, default_handler

from dsbuild.llm.cache import ResponseCache
from dsbuild.llm.client import Call, LLMClient
from dsbuild.llm.settings import LLMSettings
from dsbuild.llm.structured import schema_for


def test_a_failing_model_falls_back_to_the_next(llm_server):
    llm_server.set_handler(lambda r: Reply(status=500, content="primary down") if r["model"] == "test-model"
                           else default_handler(r))
    settings = LLMSettings(model="openai/test-model", api_base=llm_server.base_url,
                           fallbacks=["openai/other-model"], max_retries=0)
    with ResponseCache(None, "off") as cache:
        [outcome] = LLMClient(settings, cache).run([Call([{"role": "user", "content": "q"}],
                                                         schema_for({"response": "string"}))])
    assert outcome.error is None and outcome.output["response"].startswith("response for ")
    assert [r["model"] for r in llm_server.call_requests] == ["test-model", "other-model"]
