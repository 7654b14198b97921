import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { createState } from './lib/state.svelte';
import { createTransport } from './lib/transport';

const app = createState(createTransport());
mount(App, { target: document.getElementById('app')! });
void app.start();
