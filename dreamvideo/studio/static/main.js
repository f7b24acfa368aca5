// dreamvideo studio: the page. Plain ES modules over the REST API, one per panel; no build step.
// The live panel (panels/live.js) mounts itself from index.html and is not imported here.
import { $, json, say, state } from "/static/lib.js";
import { fillForm } from "/static/panels/fields.js";
import { buildForm, buildKinds, showKindFields } from "/static/panels/form.js";
import { mountFormats } from "/static/panels/formats.js";
import { loadInputs, mountInputs } from "/static/panels/inputs.js";
import { mountModels } from "/static/panels/models.js";
import { mountSeeds } from "/static/panels/seeds.js";
import { mountPresets, recallLast } from "/static/panels/presets.js";
import { mountRender } from "/static/panels/render.js";
import { mountTimeline } from "/static/panels/timeline.js";
import { mountAtlas } from "/static/panels/atlas.js";
import { mountGrid } from "/static/panels/grid.js";
import { mountJobs } from "/static/panels/jobs.js";
import { mountGallery } from "/static/panels/gallery.js";
import { mountTrash } from "/static/panels/trash.js";
import { mountCompare } from "/static/panels/compare.js";
import { mountNotify } from "/static/panels/notify.js";

async function start() {
  state.schema = await json("/api/schema");
  buildKinds();
  buildForm();
  mountFormats();
  await mountModels();
  mountSeeds();
  fillForm({});
  mountInputs();
  await loadInputs();
  showKindFields();
  mountRender();
  mountTimeline();
  mountAtlas();
  mountGrid();
  mountCompare();
  mountNotify();
  mountTrash();
  await Promise.all([mountPresets(), mountJobs(), mountGallery()]);
  await recallLast($("kind").value);
  document.body.dataset.ready = "yes";
}

window.addEventListener("error", (event) => say(`page error: ${event.message}`));
start().catch((error) => say(error.message));
