"""The web strings of a reader's library upload (the preference page) and of "rate ten papers"; merged
into ``pages.WEB`` (kept apart so each module stays short)."""

from __future__ import annotations

ONBOARD: dict[str, dict[str, str]] = {
    "en": {
        "library_title": "Your library",
        "library_intro": (
            "Upload your own papers: a BibTeX, RIS or CSL-JSON export (Zotero, Mendeley, Google Scholar and EndNote "
            "all write one) or a text file of arXiv ids and DOIs, one a line; at most {mb} MB and {entries} entries. "
            "They become examples of what the chosen radar should find, the recent ones weighing more. An upload "
            "replaces that radar's library."
        ),
        "library_file": "Library file",
        "library_radar": "For the radar",
        "library_upload": "Upload",
        "library_none": "No library yet.",
        "library_summary": "{name}: {count} papers",
        "library_unresolved": "{count} ids not resolved yet (they count once they are)",
        "library_recent": "Most recent",
        "library_read": "Read {count} papers from {file} ({format}) for the radar “{name}”; it now holds {held}.",
        "library_problems": "{count} entries could not be read:",
        "library_more_problems": "… and {count} more.",
        "library_resolved": (
            "Ids without a title: {corpus} found among the stored papers, {online} on arXiv or Crossref, "
            "{left} not resolved."
        ),
        "library_online_cap": "Only the first {count} ids were looked up on arXiv and Crossref.",
        "library_err_file": "Choose a file to upload.",
        "library_err_big": "The file is {size} bytes; a library file may be at most {limit} bytes.",
        "library_err_read": "This file could not be read: {detail}",
        "library_err_ids": (
            "None of the {count} ids could be resolved to a paper, so there is nothing to match against: upload "
            "an export with titles, or try again later."
        ),
        "rate_link": "Rate ten papers to train your radar",
        "rate_title": "Rate ten papers",
        "rate_intro": (
            "Papers of the edition of {date}: most sit near the line between what your radar sends you and what "
            "it leaves out, a few come from other themes. Rate as many as you like; your radar learns from them "
            "from the next email on."
        ),
        "rate_near": "near your radar's cut-off",
        "rate_other": "from another theme",
        "rate_radar": "Radar: {name}",
        "rate_skip": "Not sure",
        "rate_save": "Save my ratings",
        "rate_none_chosen": "Choose 👍 or 👎 for at least one paper.",
        "rate_saved_title": "Thank you",
        "rate_saved": "{count} ratings saved (👍 {likes}, 👎 {dislikes}). Your radar learns from them from the next "
        "email on.",
        "rate_again": "Rate ten more",
        "rate_empty": "There are no new papers to rate yet. Once the next edition is out, this page offers some.",
        "rate_stale": "This page is out of date: open it again to get papers to rate.",
    },
    "zh": {
        "library_title": "您的文献库",
        "library_intro": (
            "上传您自己的论文：BibTeX、RIS 或 CSL-JSON 导出文件（Zotero、Mendeley、Google Scholar 和 EndNote "
            "均可导出），或每行一个 arXiv 编号或 DOI 的文本文件；最多 {mb} MB、{entries} 条。"
            "这些论文会成为所选雷达的示例，越新的权重越高。上传会替换该雷达原有的文献库。"
        ),
        "library_file": "文献文件",
        "library_radar": "用于雷达",
        "library_upload": "上传",
        "library_none": "尚无文献库。",
        "library_summary": "{name}：{count} 篇论文",
        "library_unresolved": "{count} 个编号尚未解析（解析后才计入）",
        "library_recent": "最新的几篇",
        "library_read": "已从 {file}（{format}）读取 {count} 篇论文，用于雷达“{name}”；该雷达现有 {held} 篇。",
        "library_problems": "{count} 个条目无法读取：",
        "library_more_problems": "……另有 {count} 个。",
        "library_resolved": (
            "无标题的编号：{corpus} 个在已存论文中找到，{online} 个经 arXiv 或 Crossref 找到，{left} 个未能解析。"
        ),
        "library_online_cap": "只有前 {count} 个编号在 arXiv 和 Crossref 上查询。",
        "library_err_file": "请选择要上传的文件。",
        "library_err_big": "此文件为 {size} 字节；文献文件最多 {limit} 字节。",
        "library_err_read": "无法读取此文件：{detail}",
        "library_err_ids": (
            "{count} 个编号都无法解析为论文，因此没有可供匹配的内容：请上传带标题的导出文件，或稍后再试。"
        ),
        "rate_link": "为十篇论文打分，训练您的雷达",
        "rate_title": "为十篇论文打分",
        "rate_intro": (
            "以下是 {date} 这一期的论文：多数位于雷达推荐与不推荐的分界附近，少数来自其他主题。"
            "评分多少都可以；从下一封邮件起，雷达会据此学习。"
        ),
        "rate_near": "接近雷达的推荐分界",
        "rate_other": "来自其他主题",
        "rate_radar": "雷达：{name}",
        "rate_skip": "不确定",
        "rate_save": "保存评分",
        "rate_none_chosen": "请至少为一篇论文选择 👍 或 👎。",
        "rate_saved_title": "谢谢",
        "rate_saved": "已保存 {count} 个评分（👍 {likes}，👎 {dislikes}）。从下一封邮件起，雷达会据此学习。",
        "rate_again": "再评十篇",
        "rate_empty": "暂时没有新的论文可评分。下一期发布后，本页会提供一些。",
        "rate_stale": "此页面已过期：请重新打开以获取要评分的论文。",
    },
}
