"""User-facing strings of the email in one catalogue, not one template per language."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "tagline": "Academic Intelligence · Curated Daily",
        "headline": "Your research briefing",
        "subject": "AcademicHub · {date} · {top}",
        "subject_empty": "AcademicHub · {date} · a quiet day",
        "preheader": "{count} papers for you today, led by “{top}”",
        "opening": "Today’s edition has {edition} new papers; {count} of them match your interests.",
        "opening_empty": "Today’s edition has {edition} new papers, and none of them cleared the relevance bar for your interests. Rather than pad this email with noise, we send you this short note.",
        "thin": "A quiet day for your topics: only {count} papers cleared the relevance bar, so this email is shorter than usual.",
        "extractive_note": "Summaries are the first sentences of each abstract (no language model is configured).",
        "why": "Why this paper",
        "reason_terms": "it matches “{values}”",
        "reason_keyword": "your keyword “{values}”",
        "reason_author": "by {values}, whom you follow",
        "reason_category": "in {values}",
        "term_sep": ", ",
        "authors": "Authors",
        "abstract": "Abstract",
        "pdf": "PDF",
        "doi": "DOI",
        "interests": "Your interests",
        "footer": "You receive this because you subscribed to AcademicHub with this address.",
        "greeting": "Hello {name},",
        "greeting_anon": "Hello,",
    },
    "zh": {
        "tagline": "Academic Intelligence · Curated Daily",
        "headline": "探索全球前沿学术脉络",
        "subject": "AcademicHub 每日简报 · {date} · {top}",
        "subject_empty": "AcademicHub 每日简报 · {date} · 今日相关论文较少",
        "preheader": "今日为您精选 {count} 篇论文，首篇：“{top}”",
        "opening": "今日共收录 {edition} 篇新论文，其中 {count} 篇与您的研究兴趣相关。",
        "opening_empty": "今日共收录 {edition} 篇新论文，但没有一篇达到您兴趣的相关度门槛。与其用无关内容填满邮件，我们只发送这条简短说明。",
        "thin": "今天与您相关的论文较少：仅 {count} 篇达到相关度门槛，因此本期比平时简短。",
        "extractive_note": "摘要为论文英文摘要的开头几句（尚未配置大语言模型，中文简报将在配置后生成）。",
        "why": "推荐理由",
        "reason_terms": "匹配“{values}”",
        "reason_keyword": "您的关键词“{values}”",
        "reason_author": "您关注的作者 {values}",
        "reason_category": "来自 {values}",
        "term_sep": "、",
        "authors": "作者",
        "abstract": "摘要",
        "pdf": "PDF",
        "doi": "DOI",
        "interests": "您的研究兴趣",
        "footer": "您收到此邮件是因为您使用此地址订阅了 AcademicHub。",
        "greeting": "{name}，您好：",
        "greeting_anon": "您好：",
    },
}


def strings_for(language: str) -> dict[str, str]:
    """Strings for a subscriber language; 'bilingual' reads Chinese first (English follows per item)."""
    return STRINGS["zh" if language in ("zh", "bilingual") else "en"]
