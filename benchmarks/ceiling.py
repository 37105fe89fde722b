"""The ceiling: a bare Flask + Jinja page with a base layout and a 20-row table.

Served beside the portal by the load harness (``benchmarks/load.py``), the same way
(gunicorn, same workers); every page's throughput is reported as a ratio to it.

    gunicorn -w 2 benchmarks.ceiling:app
"""

from __future__ import annotations

from flask import Flask, render_template
from jinja2 import DictLoader

BASE = """<!doctype html>
<html lang="zh-Hans-CN">
<head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %} - 南沙区企业合规自助服务平台</title>
<link rel="stylesheet" href="/static/portal.css"></head>
<body>
<a class="skip-link" href="#main">跳到主要内容</a>
<header class="header"><div class="header__inner">
<a class="header__brand" href="/"><span>广州市南沙区</span><span>企业合规自助服务平台</span></a>
</div>
<nav class="nav"><ul class="nav__list">
{% for href, label in nav %}
<li><a class="nav__link" href="{{ href }}">{{ label }}</a></li>{% endfor %}
</ul></nav></header>
<main class="main" id="main">{% block content %}{% endblock %}</main>
<footer class="footer"><p>南沙区执法部门运行。</p></footer>
</body></html>"""

PAGE = """{% extends "base.html" %}
{% block title %}清单{% endblock %}
{% block content %}
<h1 class="heading-l">事项清单</h1>
<table class="table">
<thead><tr><th>编号</th><th>事项</th><th>部门</th><th>日期</th></tr></thead>
<tbody>
{% for row in rows %}<tr><td>{{ row.code }}</td>
<td><a href="/items/{{ row.code }}">{{ row.title }}</a></td>
<td>{{ row.department }}</td><td>{{ row.date }}</td></tr>
{% endfor %}</tbody></table>
{% endblock %}"""

NAV = [("/", "首页"), ("/guides", "合规指引"), ("/exemptions", "减免责清单"), ("/sign-in", "登录")]
ROWS = [{"code": f"4401{n:08d}", "title": f"经营者未按规定明码标价（{n}）",
         "department": "市场监管", "date": "2026-11-29"} for n in range(20)]

app = Flask(__name__)
app.jinja_loader = DictLoader({"base.html": BASE, "page.html": PAGE})


@app.get("/")
def page() -> str:
    """Render the layout with a 20-row table."""
    return render_template("page.html", nav=NAV, rows=ROWS)
