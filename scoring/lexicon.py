"""Generic phrase lists for tone, red flags and stances, in English and French.

These complement each inject's own rubric. Phrases are matched with the policy of ``scoring.text``
(inflection- and typo-tolerant), so one form per idea is enough.
"""

from __future__ import annotations

EMPATHY = {
    "en": ["sorry", "apologise", "apology", "we understand", "understandably", "we hear you", "our thoughts",
           "we regret", "concern", "worried", "deeply", "we care", "with you", "distress", "upsetting",
           "heartbreaking", "we can only imagine", "we feel", "here for you", "truly", "personally",
           "take care", "reach out to you", "your safety", "your family", "your frustration", "how hard",
           "it hurts", "should have been treated", "you are right", "we let you down", "we let him down",
           "we let her down", "not how"],
    "fr": ["désolé", "excuses", "nous comprenons", "compréhensible", "nous regrettons", "nos pensées",
           "inquiétude", "sincèrement", "à vos côtés", "nous sommes touchés", "émotion", "bouleversé",
           "nous imaginons", "de tout cœur", "nous pensons à", "personnellement", "prendre soin",
           "votre colère", "votre famille", "votre sécurité", "difficile pour vous", "nous vous entendons",
           "ce que vous écrivez", "nous le ressentons", "ressentent", "vous avez raison", "nous vous avons déçus",
           "on en parle"],
}  # fmt: skip

POLITENESS = {
    "en": ["thank you", "thanks", "please", "we appreciate", "kind regards", "dear", "happy to help", "welcome"],
    "fr": ["merci", "s'il vous plaît", "nous vous remercions", "cordialement", "bien à vous", "madame",
           "monsieur", "n'hésitez pas"],
}  # fmt: skip

RUDENESS = {
    "en": ["ridiculous", "stupid", "nonsense", "shut up", "get a life", "idiot", "pathetic", "grow up",
           "whatever", "not our problem", "deal with it", "calm down", "fake news", "haters",
           "as we already explained", "as we have already said", "clearly you", "you should have",
           "if you had read", "with all due respect", "you clearly", "it's just an ad", "it is only an",
           "nothing more than", "just a joke"],
    "fr": ["ridicule", "stupide", "n'importe quoi", "taisez-vous", "idiot", "pathétique", "pas notre problème",
           "calmez-vous", "débrouillez-vous", "fake news", "rageux", "comme nous l'avons déjà expliqué",
           "comme déjà dit", "vous auriez dû", "si vous aviez lu", "sauf votre respect", "visiblement vous",
           "il s'agit d'une publicité", "ce n'est qu'une", "ce n'est qu'un", "simple plaisanterie"],
}  # fmt: skip

FORM_LETTER = {
    "en": ["please note", "kindly", "in order of receipt", "relevant department", "dear customer",
           "we regret any inconvenience", "your request has been", "as per our policy", "refer to our"],
    "fr": ["nous vous prions de bien vouloir", "veuillez vous référer", "vous référer", "conformément à",
           "votre demande a bien été", "le service concerné", "cher client", "chère cliente",
           "nous regrettons la gêne occasionnée"],
}  # fmt: skip
"""Bureaucratic, copy-paste wording: polite on the surface, cold to someone upset."""

SARCASM = {
    "en": ["yeah right", "lol", "lmao", "oh sure", "good luck with that", "as if", "nice try", "obviously you"],
    "fr": ["mdr", "lol", "c'est ça oui", "bien sûr que oui", "bel essai", "évidemment vous", "bonne chance avec ça"],
}  # fmt: skip

NO_COMMENT = {
    "en": ["no comment", "we will not comment", "we won't comment", "decline to comment", "nothing to say"],
    "fr": ["aucun commentaire", "pas de commentaire", "nous ne commenterons pas", "rien à dire",
           "nous ne souhaitons pas commenter"],
}  # fmt: skip

BLAME = {
    "en": ["customer error", "user error", "misuse", "your fault", "their fault", "did not follow the instructions",
           "should have read", "not our fault", "blame the", "the customer is responsible"],
    "fr": ["erreur du client", "mauvaise utilisation", "votre faute", "leur faute", "pas notre faute",
           "n'a pas respecté les consignes", "aurait dû lire", "la faute du client"],
}  # fmt: skip

DENIAL = {
    "en": ["we deny", "categorically deny", "not responsible", "no evidence", "never happened", "is false",
           "untrue", "did not happen", "baseless", "no wrongdoing", "not true"],
    "fr": ["nous démentons", "démentons", "pas responsable", "aucune preuve", "jamais produit", "est faux",
           "infondé", "sans fondement", "aucune faute", "pas vrai"],
}  # fmt: skip

ACCEPTANCE = {
    "en": ["we apologise", "we are sorry", "our mistake", "our fault", "we take full responsibility",
           "we are responsible", "we got this wrong", "we failed", "we acknowledge"],
    "fr": ["nous nous excusons", "nous présentons nos excuses", "notre erreur", "notre faute",
           "nous assumons", "nous sommes responsables", "nous avons failli", "nous reconnaissons"],
}  # fmt: skip

STATUS_GROUPS: dict[str, list[dict[str, list[str]]]] = {
    "en": [
        {
            "on leave": ["on leave", "leave of absence", "stepped back temporarily"],
            "suspended": ["suspended"],
            "dismissed": ["dismissed", "fired", "terminated his contract", "terminated her contract"],
            "resigned": ["resigned", "stepped down", "resignation"],
            "in post": [
                "remains in post",
                "remains in office",
                "back at work",
                "still in charge",
                "lifted the suspension",
                "suspension has been lifted",
                "suspension lifted",
                "reinstated",
            ],
        },
        {
            "recall": ["recall", "recalling"],
            "no recall": ["no recall", "no need to recall", "will not recall"],
        },
    ],
    "fr": [
        {
            "en congé": ["en congé", "en retrait temporaire"],
            "suspendu": ["suspendu", "mis à pied", "mise à pied"],
            "licencié": ["licencié", "renvoyé", "congédié"],
            "démission": ["démissionné", "démission", "quitte ses fonctions"],
            "en poste": [
                "reste en poste",
                "réintégré",
                "de retour",
                "toujours en fonction",
                "levée de la mise à pied",
                "levé la mise à pied",
                "mise à pied a été levée",
                "mise à pied levée",
                "suspension levée",
            ],
        },
        {
            "rappel": ["rappel", "rappelons"],
            "pas de rappel": ["aucun rappel", "pas de rappel", "pas nécessaire de rappeler"],
        },
    ],
}
"""Mutually exclusive statements (each with its synonyms): a reply that says one and another reply
that says a different one of the same group, on the same subject, contradict each other."""

NEGATIONS = {
    "en": {"not", "never", "no", "nobody", "none", "neither"},
    "fr": {"pas", "jamais", "ni", "aucun", "aucune", "personne", "nul", "nulle"},
}

STATUS_REVERSALS = {
    "en": (
        ["lifted", "lift", "revoked", "overturned", "cancelled", "withdrawn", "ended"],
        {"suspended": "in post", "on leave": "in post"},
    ),
    "fr": (
        ["levé", "levée", "lever", "annulé", "annulée", "annuler", "retiré", "retirée"],
        {"suspendu": "en poste", "en congé": "en poste"},
    ),
}
"""Words that, within four words of a status, turn it around: "a levé ce matin la mise à pied"
(lifted the suspension) says the person is back in post."""

GENERIC = {
    "en": {"speak", "want", "say", "said", "know", "think", "make", "peopl", "team", "today", "time", "thank",
           "pleas", "updat", "inform", "share", "would", "like", "come", "take", "look", "work"},
    "fr": {"dire", "veut", "voulon", "savoir", "pens", "fair", "personn", "equip", "aujourd", "temp", "merc",
           "inform", "partag", "souhait", "prend", "travail"},
}  # fmt: skip
"""Stems too common to show that two replies are about the same thing."""


LISTS = (EMPATHY, POLITENESS, RUDENESS, FORM_LETTER, SARCASM, NO_COMMENT, BLAME, DENIAL, ACCEPTANCE)
"""Every phrase list above but the status groups (for the phrase index)."""
