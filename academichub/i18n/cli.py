"""The console script's words for ``match`` in the language of ``--lang`` (its table and why nothing
matched); the CLI's other messages are English."""

from __future__ import annotations

MATCH: dict[str, dict[str, str]] = {
    "en": {
        "title": "Best matches in edition {day}",
        "order": "ordered for variety (MMR: similar papers are spread out), not by score; score = similarity",
        "col_score": "score",
        "col_radar": "radar",
        "col_title": "title",
        "col_why": "why",
        "nothing": "Nothing matched in the edition of {day} ({count} papers):",
        "radar": "radar {name!r}: ",
        "no_articles": (
            "none of the day's {count} paper(s) is a research article (news, corrections, editorials and "
            "retractions are never matched)."
        ),
        "no_category": (
            "{name}the category filter ({values}) leaves no paper: none of the day's {count} research papers is "
            "in them (the day's papers are in {facets}; --categories takes any of these)."
        ),
        "by_categories": "{name}the category filter ({values}) removed every paper that matched.",
        "by_exclusions": "{name}your exclusions ({values}) removed every paper that matched.",
        "by_both": "{name}the category filter and your exclusions together removed every paper that matched.",
        "floor": (
            "{name}no paper of the day shares a term with the interests: a paper is matched when its similarity "
            "reaches ACADEMICHUB_MIN_SCORE ({floor}), a keyword or a followed author names it, or, to fill "
            "--top, when it shares at least one term."
        ),
        "language": (
            " Interests not in English are translated offline only for Chinese research terms in the "
            "glossary: add English keywords (--keywords) for the rest."
        ),
        "more": " and {count} more",
    },
    "zh": {
        "title": "{day} 这一期的最佳匹配",
        "order": "按多样性排序（MMR：相近的论文分散开），不按分数排序；分数 = 相似度",
        "col_score": "分数",
        "col_radar": "雷达",
        "col_title": "标题",
        "col_why": "推荐理由",
        "nothing": "{day} 这一期（{count} 篇论文）没有匹配的论文：",
        "radar": "雷达“{name}”：",
        "no_articles": "当天的 {count} 篇论文都不是研究论文（新闻、更正、社论和撤稿从不参与匹配）。",
        "no_category": (
            "{name}分类筛选（{values}）没有留下任何论文：当天的 {count} 篇研究论文都不在其中"
            "（当天的论文属于 {facets}；--categories 可取其中任意一项）。"
        ),
        "by_categories": "{name}分类筛选（{values}）去掉了所有匹配的论文。",
        "by_exclusions": "{name}您的排除词（{values}）去掉了所有匹配的论文。",
        "by_both": "{name}分类筛选与排除词一起去掉了所有匹配的论文。",
        "floor": (
            "{name}当天没有论文与您的兴趣共有任何词语：论文的相似度达到 ACADEMICHUB_MIN_SCORE（{floor}），"
            "或被某个关键词、关注的作者点名，才会匹配；为凑满 --top，也会取至少共有一个词语的论文。"
        ),
        "language": ("非英文的兴趣只有词表中的中文研究术语会离线翻译：其余请用 --keywords 补充英文关键词。"),
        "more": " 等另外 {count} 项",
    },
}
