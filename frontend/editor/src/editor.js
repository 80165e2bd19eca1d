// Turns every <textarea data-editor="python"> into a CodeMirror 6 editor. The textarea stays
// in the form and is kept in sync, so a plain form post still works without JavaScript.
import { EditorView, basicSetup } from "codemirror";
import { indentUnit } from "@codemirror/language";
import { keymap } from "@codemirror/view";
import { indentWithTab } from "@codemirror/commands";
import { python } from "@codemirror/lang-python";

function enhance(textarea) {
  const view = new EditorView({
    doc: textarea.value,
    extensions: [
      // The page's Content-Security-Policy allows styles only with this request's nonce.
      EditorView.cspNonce.of(textarea.dataset.cspNonce || ""),
      basicSetup,
      python(),
      indentUnit.of("    "),
      keymap.of([indentWithTab]),
      EditorView.lineWrapping,
      EditorView.updateListener.of((update) => {
        if (!update.docChanged) return;
        // Chrome's contenteditable can hand over non-breaking spaces for typed spaces;
        // Python rejects them in code, so the form always carries plain spaces.
        textarea.value = update.state.doc.toString().replace(/\u00a0/g, " ");
        textarea.dispatchEvent(new Event("input", { bubbles: true }));
      }),
      // Through the facet: CodeMirror rewrites the wrapper's class attribute on every update.
      EditorView.editorAttributes.of({ class: "code-editor", "data-testid": "code-editor" }),
      // A name and a description for screen readers: the help text next to the editor says how
      // to leave it with the keyboard.
      EditorView.contentAttributes.of({
        "aria-label": textarea.dataset.label || "Your code",
        ...(textarea.dataset.describedby ? { "aria-describedby": textarea.dataset.describedby } : {}),
      }),
      EditorView.domEventHandlers({
        paste: () => { textarea.dispatchEvent(new CustomEvent("editor-paste", { bubbles: true })); },
        // Tab indents inside the editor; Escape then Tab leaves it. CodeMirror allows 2 s between
        // the two keys; 10 s is kinder to anyone who types slowly (any other key cancels it).
        keyup: (event, view) => {
          if (event.key === "Escape") view.setTabFocusMode(10000);
        },
      }),
    ],
  });
  textarea.style.display = "none";
  textarea.parentNode.insertBefore(view.dom, textarea.nextSibling);
  textarea.editorView = view;
  return view;
}

document.querySelectorAll('textarea[data-editor="python"]').forEach(enhance);
window.AssessmentEditor = { enhance };
