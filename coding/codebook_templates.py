"""Codebook templates a project can start from.

The SWOT template follows the structure of the China–Belarus study's SWOT table
(strengths, weaknesses, opportunities, threats of the cultural industry under the
Belt and Road Initiative); the policy template names the policies and themes of its
case studies. Each entry is a plain dict so that the templates can be read by the
codebook importer, the demo loader and the tests alike.
"""

from __future__ import annotations

from typing import TypedDict


class CodeTemplate(TypedDict, total=False):
    name: str
    colour: str
    definition: str
    inclusion: str
    exclusion: str
    example: str
    children: list[CodeTemplate]


def _code(name: str, colour: str, definition: str, **extra) -> CodeTemplate:
    return {"name": name, "colour": colour, "definition": definition, **extra}


SWOT: list[CodeTemplate] = [
    _code(
        "Strengths",
        "#2e7d32",
        "Internal assets of the cultural industry that give it an advantage.",
        inclusion="The speaker presents something the country or sector already has as an asset.",
        exclusion="Chances that depend on outside partners or events (code Opportunities).",
        children=[
            _code(
                "Cultural heritage and crafts",
                "#1b5e20",
                "Historical, artistic and craft traditions that carry value at home and abroad.",
                example="Our embroidery and straw-weaving are recognised at every fair we attend.",
            ),
            _code(
                "Emerging creative industries",
                "#00796b",
                "Young or growing creative sectors: literature, music, animation, games, design.",
            ),
            _code(
                "Government support for culture",
                "#558b2f",
                "State programmes, subsidies and diplomatic backing for cultural work.",
            ),
            _code(
                "Market scale and reach",
                "#33691e",
                "The size of a domestic audience or the reach of existing distribution channels.",
            ),
            _code(
                "Skilled creative workforce",
                "#827717",
                "Trained people: directors, curators, translators, craftspeople, engineers.",
            ),
        ],
    ),
    _code(
        "Weaknesses",
        "#c62828",
        "Internal limitations that hold the cultural industry back.",
        inclusion="The speaker describes a shortcoming inside the country or sector.",
        exclusion="Dangers that come from outside (code Threats).",
        children=[
            _code(
                "Limited international recognition",
                "#b71c1c",
                "Film, media and brands little known abroad.",
            ),
            _code(
                "Lack of international infrastructure",
                "#d32f2f",
                "Missing venues, distribution networks, studios or festivals at international scale.",
            ),
            _code(
                "Financing",
                "#ad1457",
                "Shortage, instability or bureaucracy of money for cultural projects.",
                example="Half of the budget arrives after the shooting season is over.",
            ),
            _code(
                "Instability affecting investment",
                "#880e4f",
                "Political or economic uncertainty that deters cultural investment.",
            ),
            _code(
                "Language and skills gaps",
                "#e53935",
                "Missing language skills, translators or managerial know-how.",
            ),
        ],
    ),
    _code(
        "Opportunities",
        "#1565c0",
        "External conditions the cultural industry can use to grow.",
        inclusion="A chance that depends on partners, markets, technology or events.",
        exclusion="Assets the sector already has (code Strengths).",
        children=[
            _code(
                "Collaboration with China under BRI",
                "#0d47a1",
                "Joint projects, agreements and partners arising from the Belt and Road Initiative.",
            ),
            _code(
                "BRI cultural events",
                "#1976d2",
                "Festivals, exhibitions, years of culture and fairs sponsored under the BRI.",
            ),
            _code(
                "Digital platforms and AI",
                "#0277bd",
                "Streaming, social media, machine translation and AI-assisted production.",
            ),
            _code(
                "Cultural tourism",
                "#283593",
                "Visitors drawn by heritage, festivals and film locations.",
            ),
            _code(
                "Education and language exchange",
                "#01579b",
                "Student exchanges, language institutes, joint degrees and academic networks.",
            ),
        ],
    ),
    _code(
        "Threats",
        "#e65100",
        "External dangers to the cultural industry.",
        inclusion="A risk that comes from competitors, markets, politics or technology.",
        exclusion="Shortcomings inside the sector itself (code Weaknesses).",
        children=[
            _code(
                "Competition from other countries",
                "#bf360c",
                "Other BRI countries, Russia or Europe competing for the same audiences and funds.",
            ),
            _code(
                "Cultural misrepresentation",
                "#d84315",
                "Loss of local context, stereotypes or mistranslation in foreign markets.",
            ),
            _code(
                "Political tensions",
                "#b45309",
                "Sanctions, diplomatic strain or regulation that disrupt collaboration.",
            ),
            _code(
                "Homogenisation and AI risks",
                "#a84300",
                "Technology that flattens cultural identity or threatens authenticity.",
            ),
        ],
    ),
]


POLICY: list[CodeTemplate] = [
    _code(
        "Going Out strategy",
        "#6a1b9a",
        "China's policy of promoting Chinese culture, media and cultural exports abroad.",
        children=[
            _code(
                "Confucius Institutes",
                "#8e24aa",
                "Language and culture centres abroad and their programmes.",
            ),
            _code(
                "Media internationalisation",
                "#ab47bc",
                "CGTN, Xinhua and other state media reaching foreign audiences.",
            ),
        ],
    ),
    _code(
        "Cultural Strategy 2020",
        "#283593",
        "Belarus's strategy for cultural development and international visibility.",
    ),
    _code(
        "Film co-production",
        "#00838f",
        "Joint film and media projects between Chinese and Belarusian partners.",
    ),
    _code(
        "Cultural diplomacy",
        "#2e7d32",
        "Culture used to build diplomatic ties: exchanges, years of culture, official visits.",
    ),
    _code(
        "Soft power",
        "#558b2f",
        "Culture as a source of international influence and national image.",
    ),
    _code(
        "Digital and AI",
        "#0277bd",
        "Digital technology and artificial intelligence in making and sharing culture.",
    ),
    _code(
        "Tourism",
        "#9a6700",
        "Cultural and heritage tourism, visitor flows, visa and travel arrangements.",
    ),
    _code(
        "Heritage and crafts",
        "#8d6e63",
        "Preservation and marketing of heritage, folk art and traditional crafts.",
    ),
    _code(
        "Financing and infrastructure",
        "#757575",
        "Funding schemes, venues, studios and distribution infrastructure.",
    ),
    _code(
        "Cultural exports and markets",
        "#d84315",
        "Selling cultural goods and services abroad: markets, rights, export figures.",
    ),
]


TEMPLATES: dict[str, tuple[str, list[CodeTemplate]]] = {
    "swot": ("SWOT analysis", SWOT),
    "policy": ("Cultural policy themes", POLICY),
}


def template_paths(template: list[CodeTemplate], prefix: str = "") -> list[str]:
    """Every code path of a template, parents before children, e.g. 'Weaknesses/Financing'."""
    paths: list[str] = []
    for node in template:
        path = f"{prefix}{node['name']}"
        paths.append(path)
        paths.extend(template_paths(node.get("children", []), prefix=f"{path}/"))
    return paths
